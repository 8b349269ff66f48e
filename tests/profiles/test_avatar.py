"""A profile's avatar: one of its owner's ready images, shown on the public page."""

from __future__ import annotations

import io

from PIL import Image


def jpeg(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(out, "JPEG", quality=90)
    return out.getvalue()


async def upload(client, purpose: str = "avatar") -> dict:
    response = await client.post(
        "/api/assets",
        files={"file": ("me.jpg", jpeg(), "image/jpeg")},
        data={"purpose": purpose},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_an_uploaded_image_becomes_the_avatar(client, alice, profile) -> None:
    asset = await upload(alice)
    patched = await alice.patch(
        f"/api/profiles/{profile['id']}", json={"avatar_asset_id": asset["id"]}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["avatar_asset_id"] == asset["id"]
    assert patched.json()["avatar_url"] == asset["url"]
    listed = (await alice.get("/api/profiles")).json()["items"][0]
    assert listed["avatar_url"] == asset["url"]

    html = (await client.get("/p/alice")).text
    assert f'<img class="avatar" src="{asset["url"]}" alt=""' in html
    assert asset["url"].startswith("/a/")
    assert (await client.get(asset["url"])).status_code == 200

    cleared = await alice.patch(f"/api/profiles/{profile['id']}", json={"avatar_asset_id": None})
    assert cleared.json()["avatar_url"] is None
    assert 'class="avatar"' not in (await client.get("/p/alice")).text


async def test_deleting_the_asset_takes_it_off_the_page(
    client, alice, profile, runtime, clock
) -> None:
    asset = await upload(alice)
    await alice.patch(f"/api/profiles/{profile['id']}", json={"avatar_asset_id": asset["id"]})
    assert 'class="avatar"' in (await client.get("/p/alice")).text
    await runtime.defer.drain(5)
    assert (await alice.delete(f"/api/assets/{asset['id']}")).status_code == 204
    # No waiting out the cache: the delete clears the owner's pages.
    assert 'class="avatar"' not in (await client.get("/p/alice")).text
    assert (await alice.get(f"/api/profiles/{profile['id']}")).json()["avatar_asset_id"] is None


async def test_only_my_ready_images_can_be_an_avatar(alice, bob, profile) -> None:
    theirs = await upload(bob)
    for asset_id in (theirs["id"], "01ARZ3NDEKTSV4RRFFQ69G5FAV"):
        refused = await alice.patch(
            f"/api/profiles/{profile['id']}", json={"avatar_asset_id": asset_id}
        )
        assert refused.status_code == 422
        assert refused.json()["error"]["details"][0]["field"] == "avatar_asset_id"
    created = await bob.post(
        "/api/profiles",
        json={"slug": "bobs-page", "display_name": "Bob", "avatar_asset_id": theirs["id"]},
    )
    assert created.status_code == 201 and created.json()["avatar_url"] == theirs["url"]
