"""An asset's life: listed, read, deleted with its files; storage failing midway."""

from __future__ import annotations

import pytest

from tests.assets.conftest import rows, stored_keys, upload, user_id
from tests.assets.imagegen import jpeg, png


class Outage(Exception):
    pass


def fail_puts(monkeypatch, runtime, *, after: int) -> list[str]:
    """Make the blob store refuse every put after the first ``after``; returns the keys put."""
    blobs = runtime.ports().blobs
    real_put = blobs.put
    written: list[str] = []

    async def put(key, data, **kwargs):
        if len(written) >= after:
            raise Outage("R2 is down")
        written.append(key)
        return await real_put(key, data, **kwargs)

    monkeypatch.setattr(blobs, "put", put)
    return written


@pytest.mark.parametrize("after", [0, 1])
@pytest.mark.planted_error
async def test_a_storage_failure_marks_the_row_failed_and_keeps_nothing(
    alice, runtime, monkeypatch, caplog, after
) -> None:
    written = fail_puts(monkeypatch, runtime, after=after)
    response = await upload(alice, jpeg())
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "dependency_unavailable"
    assert len(written) == after
    assert await stored_keys(runtime, alice) == []  # the image written first is gone again

    [row] = await rows(runtime)
    assert row["id"] == error["details"]["asset_id"]
    assert row["upload_status"] == "failed" and row["upload_error"]
    assert row["expires_at"] > row["uploaded_at"]
    shown = (await alice.get(f"/api/assets/{row['id']}")).json()
    assert shown["status"] == "failed" and shown["url"] is None and shown["error"]


@pytest.mark.planted_error
async def test_a_failure_does_not_delete_files_another_upload_uses(
    alice, runtime, monkeypatch, caplog
) -> None:
    data = jpeg()
    first = (await upload(alice, data)).json()
    fail_puts(monkeypatch, runtime, after=0)
    assert (await upload(alice, data)).status_code == 503
    assert (await alice.get(first["url"])).status_code == 200
    assert len(await stored_keys(runtime, alice)) == 2


async def test_list_is_paginated_newest_first_and_filtered_by_purpose(alice, clock) -> None:
    made = []
    for purpose in ("asset", "avatar", "asset"):
        made.append((await upload(alice, png(), purpose=purpose)).json()["id"])
        clock.advance(1)
    first = (await alice.get("/api/assets", params={"limit": 2})).json()
    assert [a["id"] for a in first["items"]] == made[::-1][:2]
    assert first["next_cursor"]
    rest = (
        await alice.get("/api/assets", params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    assert [a["id"] for a in rest["items"]] == made[:1] and rest["next_cursor"] is None
    avatars = (await alice.get("/api/assets", params={"purpose": "avatar"})).json()
    assert [a["id"] for a in avatars["items"]] == [made[1]]
    assert (await alice.get("/api/assets", params={"limit": 500})).status_code == 422


async def test_delete_removes_the_row_and_its_files(alice, client, runtime) -> None:
    asset = (await upload(alice, jpeg())).json()
    assert (await alice.delete(f"/api/assets/{asset['id']}")).status_code == 204
    assert (await alice.get(f"/api/assets/{asset['id']}")).status_code == 404
    assert (await client.get(asset["url"])).status_code == 404
    assert (await client.get(asset["thumbnail_url"])).status_code == 404
    assert await stored_keys(runtime, alice) == [] and await rows(runtime) == []
    assert (await alice.delete(f"/api/assets/{asset['id']}")).status_code == 404
    audit = (await alice.get("/api/me/audit")).json()["items"]
    assert any(e["action"] == "asset.deleted" and e["resource"] == asset["id"] for e in audit)


async def test_files_shared_by_two_uploads_stay_until_the_last_goes(alice, client, runtime) -> None:
    data = jpeg()
    one, two = [(await upload(alice, data, name=n)).json() for n in ("a.jpg", "b.jpg")]
    assert one["url"] == two["url"] and one["id"] != two["id"]
    assert len(await stored_keys(runtime, alice)) == 2
    await alice.delete(f"/api/assets/{one['id']}")
    assert (await client.get(two["url"])).status_code == 200
    await alice.delete(f"/api/assets/{two['id']}")
    assert (await client.get(two["url"])).status_code == 404
    assert await stored_keys(runtime, alice) == []


async def test_deleting_an_avatar_clears_it_from_its_profile(alice, runtime) -> None:
    avatar = (await upload(alice, png(), purpose="avatar")).json()
    profile = (
        await alice.post("/api/profiles", json={"slug": "alice-p", "display_name": "A"})
    ).json()
    db = runtime.database
    await db.run(
        "UPDATE profiles SET avatar_asset_id = ? WHERE id = ?", avatar["id"], profile["id"]
    )
    before = await db.first("SELECT version FROM profiles WHERE id = ?", profile["id"])
    await alice.delete(f"/api/assets/{avatar['id']}")
    after = await db.first("SELECT * FROM profiles WHERE id = ?", profile["id"])
    assert after["avatar_asset_id"] is None and after["version"] == before["version"] + 1


async def test_someone_else_sees_none_of_it(alice, bob) -> None:
    asset = (await upload(alice, png())).json()
    assert (await bob.get(f"/api/assets/{asset['id']}")).status_code == 404
    assert (await bob.delete(f"/api/assets/{asset['id']}")).status_code == 404
    assert (await bob.get("/api/assets")).json() == {"items": [], "next_cursor": None}
    assert (await alice.get(f"/api/assets/{asset['id']}")).status_code == 200


async def test_export_lists_the_files_and_erasure_deletes_them(
    alice, runtime, settings, clock
) -> None:
    from tests.identity.test_gdpr import end_grace_period

    asset = (await upload(alice, jpeg())).json()
    export = (await alice.get("/api/me/export")).json()
    assert [r["id"] for r in export["data"]["asset_uploads"]] == [asset["id"]]
    assert len(export["files"]) == 2
    erased = await alice.request("DELETE", "/api/me", json={"password": "correct horse battery"})
    assert erased.status_code == 204
    await end_grace_period(runtime, settings, clock)  # closing erases after the grace period
    assert await rows(runtime) == []
    assert (await runtime.ports().blobs.list(f"u/{user_id(alice)}/")).items == []


async def test_an_asset_deleted_while_it_is_stored_leaves_no_files(alice, runtime, monkeypatch):
    blobs = runtime.ports().blobs
    real_put = blobs.put

    async def put(key, data, **kwargs):
        if key.endswith(".thumb.webp"):  # the owner deletes it between the two writes
            [row] = await rows(runtime)
            assert row["upload_status"] == "processing"
            assert (await alice.delete(f"/api/assets/{row['id']}")).status_code == 204
        return await real_put(key, data, **kwargs)

    monkeypatch.setattr(blobs, "put", put)
    response = await upload(alice, png())
    assert response.status_code == 409
    assert await rows(runtime) == [] and await stored_keys(runtime, alice) == []


@pytest.mark.planted_error
async def test_public_pages_can_look_up_ready_images(alice, bob, runtime, monkeypatch) -> None:
    from core.assets.service import ready_images

    avatar = (await upload(alice, png(), purpose="avatar")).json()
    other = (await upload(bob, png())).json()
    fail_puts(monkeypatch, runtime, after=0)
    failed_id = (await upload(alice, jpeg())).json()["error"]["details"]["asset_id"]
    found = await ready_images(
        runtime.database, user_id(alice), [avatar["id"], other["id"], failed_id, "", "nope"]
    )
    assert list(found) == [avatar["id"]]
    image = found[avatar["id"]]
    assert (image.url, image.thumbnail_url) == (avatar["url"], avatar["thumbnail_url"])
    assert image.purpose == "avatar" and image.width == avatar["width"]
    assert await ready_images(runtime.database, user_id(alice), []) == {}
