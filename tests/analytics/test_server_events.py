"""What the server records itself beyond views and clicks' counts: the bytes
each response carried (``response_bytes``), and an owner's own events, kept out
of every profile's traffic: an upload stored (``asset_upload``), a sign-in to
the account refused (``security_event``)."""

from __future__ import annotations

import json

from core.analytics.reports import rollup
from tests.analytics.conftest import CHROME, GOOGLEBOT, events, settle
from tests.assets.conftest import upload, user_id
from tests.assets.imagegen import jpeg


async def test_views_and_clicks_record_the_bytes_they_sent(site, visitor, runtime) -> None:
    browser = visitor("198.51.100.7", CHROME)
    page = await browser.get(f"/p/{site.slug}")
    assert page.status_code == 200
    again = await browser.get(f"/p/{site.slug}", headers={"if-none-match": page.headers["etag"]})
    assert again.status_code == 304
    click = await browser.get(f"/l/{site.links[0]}")
    assert click.status_code == 302
    await settle(runtime)

    rows = await events(runtime)
    views = [r["response_bytes"] for r in rows if r["type"] == "profile_view"]
    assert views == [len(page.content), 0]  # a 304 sends no body
    [clicked] = [r for r in rows if r["type"] == "link_click"]
    assert clicked["response_bytes"] == len(click.content)


async def test_an_upload_stored_is_its_owners_event_not_traffic(
    alice, site, visitor, runtime
) -> None:
    assert (await visitor("198.51.100.8", CHROME).get(f"/p/{site.slug}")).status_code == 200
    alice.headers["user-agent"] = GOOGLEBOT  # whatever client: the owner's own event counts
    data = jpeg((320, 240))
    stored = await upload(alice, data, purpose="avatar")
    assert stored.status_code == 201, stored.text
    refused = await upload(alice, b"not an image", name="x.jpg")
    assert refused.status_code == 415
    await settle(runtime)

    [event] = await events(runtime, "type = 'asset_upload'")
    asset = stored.json()
    assert event["owner_id"] == user_id(alice)
    assert event["profile_id"] is None and event["visitor"] is None
    assert event["path"] == "/api/assets"
    assert json.loads(event["properties"]) == {
        "asset_id": asset["id"],
        "purpose": "avatar",
        "type": "image/webp",
        "received_bytes": len(data),
        "stored_bytes": asset["sizes"]["stored"],
    }
    # In no profile's rollup, and so in no summary.
    at = event["ts"] / 1000
    await rollup.fold(runtime.database, int(at // 3600 * 3600), int(at // 3600 * 3600) + 3600)
    rolled = await runtime.database.all("SELECT type FROM analytics_rollups")
    assert {r["type"] for r in rolled} == {"profile_view", "*"}


async def test_a_wrong_password_is_a_security_event_of_the_account(alice, client, runtime) -> None:
    wrong = {"username": "alice", "password": "not the password at all"}
    api = await client.post("/api/auth/login", json=wrong, headers={"user-agent": CHROME})
    assert api.status_code == 401 and api.json()["error"]["code"] == "bad_credentials"
    page = await client.post(
        "/login",
        data={"login": "alice", "password": "still not it, sorry"},
        headers={"origin": "http://testserver", "user-agent": CHROME},
    )
    assert page.status_code == 401
    nobody = await client.post(
        "/api/auth/login", json={"username": "nobody", "password": "whatever it is"}
    )
    assert nobody.status_code == 401 and nobody.json()["error"]["code"] == "bad_credentials"
    await settle(runtime)

    rows = await events(runtime, "type = 'security_event'")
    assert [r["owner_id"] for r in rows] == [user_id(alice)] * 2  # no owner, no event
    assert [json.loads(r["properties"]) for r in rows] == [
        {"action": "sign_in_refused", "reason": "bad_credentials", "kind": kind}
        for kind in ("api", "page")
    ]
    assert all(r["profile_id"] is None and r["visitor"] is None for r in rows)
    assert rows[0]["browser"] == "Chrome" and rows[0]["path"] == "/api/auth/login"
