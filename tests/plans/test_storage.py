"""Stored bytes count against the plan: an upload counts its stored files when it
turns ready, a delete gives them back, and an upload past the limit gets 402
with nothing kept."""

from __future__ import annotations

from tests.assets.imagegen import png


async def storage(client) -> dict:
    sub = (await client.get("/api/subscription")).json()
    return next(u for u in sub["usage"] if u["meter"] == "storage_bytes")


async def upload(client):
    return await client.post(
        "/api/assets",
        files={"file": ("p.png", png((64, 48)), "image/png")},
        data={"purpose": "asset"},
    )


async def test_uploads_count_their_stored_bytes_and_deletes_give_them_back(alice) -> None:
    first = await upload(alice)
    assert first.status_code == 201
    sizes = first.json()["sizes"]
    assert (await storage(alice))["used"] == sizes["stored"] + sizes["thumbnail"]
    assert (await alice.delete(f"/api/assets/{first.json()['id']}")).status_code == 204
    assert (await storage(alice))["used"] == 0


async def test_an_upload_past_the_storage_limit_gets_402_and_nothing_is_kept(
    alice, runtime
) -> None:
    kept = await upload(alice)
    assert kept.status_code == 201
    used = (await storage(alice))["used"]
    await runtime.database.run("UPDATE plans SET storage_bytes = ? WHERE tier = 'free'", used + 10)
    refused = await upload(alice)
    assert refused.status_code == 402
    assert refused.json()["error"]["details"]["meter"] == "storage_bytes"
    assert "Pro holds" in refused.json()["error"]["message"]
    rows = await runtime.database.all("SELECT id FROM asset_uploads")
    assert [r["id"] for r in rows] == [kept.json()["id"]]
    assert (await storage(alice))["used"] == used
