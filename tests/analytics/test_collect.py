"""The beacon: text/plain or JSON, CORS for the product's own pages, and bad
batches refused whole (400 malformed, 413 too large, 422 invalid)."""

from __future__ import annotations

import json

import pytest

from tests.analytics.conftest import CHROME, events, settle


def one(site, **fields) -> dict:
    return {"type": "page_view", "profile_id": site.profile_id, "path": "/p/alice-page", **fields}


async def test_send_beacon_posts_text_plain(site, visitor, runtime) -> None:
    client = visitor("203.0.113.40", CHROME)
    body = json.dumps({"events": [one(site, load_ms=321, tz_offset=60)]})
    sent = await client.post(
        "/api/collect", content=body, headers={"content-type": "text/plain;charset=UTF-8"}
    )
    assert sent.status_code == 202, sent.text
    assert sent.json() == {"received": 1}
    await settle(runtime)
    [row] = await events(runtime)
    assert (row["type"], row["load_ms"], row["tz_offset"], row["device"]) == (
        "page_view",
        321,
        60,
        "desktop",
    )
    assert row["owner_id"] and row["visitor"]


async def test_utm_and_referrer_come_from_the_page_not_the_beacon(site, visitor, runtime) -> None:
    client = visitor("203.0.113.41", CHROME)
    event = one(
        site,
        path="/p/alice-page?utm_source=ig&utm_medium=social&utm_campaign=launch&x=1",
        referrer="https://l.instagram.com/?u=secret",
    )
    await client.post(
        "/api/collect", json={"events": [event]}, headers={"referer": "http://testserver/p/x"}
    )
    await settle(runtime)
    [row] = await events(runtime)
    assert row["path"] == "/p/alice-page"
    assert (row["utm_source"], row["utm_medium"], row["utm_campaign"]) == ("ig", "social", "launch")
    assert row["referrer_host"] == "l.instagram.com"
    assert row["referrer_url"] == "https://l.instagram.com/"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"[1, 2]", 400),
        (b'{"events": {}}', 400),
        (b"\xff\xfe", 400),
        (json.dumps({"events": []}).encode(), 422),
    ],
)
async def test_malformed_beacons_are_400(site, visitor, runtime, body, status) -> None:
    client = visitor("203.0.113.42", CHROME)
    answer = await client.post("/api/collect", content=body, headers={"content-type": "text/plain"})
    assert answer.status_code == status, answer.text
    await settle(runtime)
    assert await events(runtime) == []


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "pageview"},
        {"type": "profile_view"},  # only the server records views
        {"type": "link_click"},
        {"x": 1.5, "y": 0.5},
        {"x": -0.1, "y": 0.5},
        {"y": float("nan")},
        {"load_ms": -1},
        {"unexpected": True},
        {"properties": {"blob": "x" * 3000}},
    ],
)
async def test_a_bad_event_refuses_the_whole_batch_with_422(site, visitor, runtime, bad) -> None:
    client = visitor("203.0.113.43", CHROME)
    batch = [one(site), {**one(site), **bad}]
    body = json.dumps({"events": batch}, allow_nan=True)
    answer = await client.post(
        "/api/collect", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422, answer.text
    await settle(runtime)
    assert await events(runtime) == []


async def test_too_many_events_or_bytes(site, visitor, runtime) -> None:
    client = visitor("203.0.113.44", CHROME)
    many = await client.post("/api/collect", json={"events": [one(site)] * 51})
    assert many.status_code == 422
    big = {"events": [one(site, properties={"p": "y" * 1900}) for _ in range(40)]}
    body = json.dumps(big).encode()
    assert len(body) > 64 * 1024
    large = await client.post("/api/collect", content=body, headers={"content-type": "text/plain"})
    assert large.status_code == 413
    other = await client.post(
        "/api/collect",
        content=b"a=b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert other.status_code == 415
    await settle(runtime)
    assert await events(runtime) == []


async def test_events_of_unknown_or_private_profiles_are_dropped(
    alice, site, visitor, runtime
) -> None:
    hidden = await alice.post(
        "/api/profiles", json={"slug": "hidden-page", "display_name": "H", "is_public": False}
    )
    assert hidden.status_code == 201
    client = visitor("203.0.113.45", CHROME)
    batch = [
        {"type": "page_view", "profile_id": "01NOSUCHPROFILE00000000000"},
        {"type": "page_view", "profile_id": hidden.json()["id"]},
        {"type": "page_view"},
        one(site),
    ]
    assert (await client.post("/api/collect", json={"events": batch})).status_code == 202
    await settle(runtime)
    assert [r["profile_id"] for r in await events(runtime)] == [site.profile_id]


async def test_cors_answers_the_products_own_origin_only(visitor) -> None:
    client = visitor("203.0.113.46", CHROME)
    own = await client.options(
        "/api/collect",
        headers={"origin": "http://testserver", "access-control-request-method": "POST"},
    )
    assert own.status_code == 204
    assert own.headers["access-control-allow-origin"] == "http://testserver"
    assert "POST" in own.headers["access-control-allow-methods"]
    other = await client.options(
        "/api/collect",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert "access-control-allow-origin" not in other.headers


async def test_the_beacon_has_its_own_rate_limit(site, visitor) -> None:
    client = visitor("203.0.113.47", CHROME)
    answer = await client.post("/api/collect", json={"events": [one(site)]})
    assert "collect" in answer.headers.get("ratelimit-policy", "")
