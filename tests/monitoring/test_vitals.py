"""The vitals beacon: validated, rated, stored after the response for the
profile's owner; bad beacons answer 4xx and store nothing."""

from __future__ import annotations

import json

import pytest

from core.monitoring.thresholds import rate
from tests.monitoring.conftest import make_public_profile, settle


async def _rows(runtime) -> list[dict]:
    return await runtime.database.all("SELECT * FROM performance_data ORDER BY metric_type")


def _beacon(profile_id: str, **extra) -> dict:
    return {
        "profile_id": profile_id,
        "page": "/p/alice",
        "device": "mobile",
        "session_id": "abcdef0123456789",
        "metrics": [
            {"name": "LCP", "value": 2600.5, "navigation_type": "navigate"},
            {"name": "CLS", "value": 0.05},
            {"name": "INP", "value": 650},
        ],
        **extra,
    }


async def test_a_beacon_is_rated_and_stored_for_the_profiles_owner(app, runtime, alice, client):
    profile = await make_public_profile(alice)
    # sendBeacon posts text/plain
    response = await client.post(
        "/api/monitoring/vitals",
        content=json.dumps(_beacon(profile)),
        headers={"content-type": "text/plain;charset=UTF-8"},
    )
    assert response.status_code == 202, response.text
    await settle(app, runtime)
    rows = await _rows(runtime)
    me = (await alice.get("/api/me")).json()
    assert [(r["metric_type"], r["rating"]) for r in rows] == [
        ("CLS", "good"),
        ("INP", "poor"),
        ("LCP", "needs-improvement"),
    ]
    assert {r["owner_id"] for r in rows} == {me["id"]}
    assert {r["session_id"] for r in rows} == {"abcdef0123456789"}
    assert rows[2]["metric_unit"] == "ms" and rows[0]["metric_unit"] == "score"


async def test_do_not_track_and_gpc_keep_no_session(app, runtime, alice, client):
    profile = await make_public_profile(alice)
    for header in ({"dnt": "1"}, {"sec-gpc": "1"}):
        response = await client.post(
            "/api/monitoring/vitals", json=_beacon(profile), headers=header
        )
        assert response.status_code == 202
    await settle(app, runtime)
    rows = await _rows(runtime)
    assert len(rows) == 6
    assert {r["session_id"] for r in rows} == {None}
    assert {r["device_info"] for r in rows} == {None}


async def test_a_beacon_of_an_unknown_profile_stores_nothing(app, runtime, client):
    response = await client.post("/api/monitoring/vitals", json=_beacon("0" * 26))
    assert response.status_code == 202
    await settle(app, runtime)
    assert await _rows(runtime) == []


@pytest.mark.parametrize(
    ("metric", "status"),
    [
        ({"name": "CLS", "value": -1}, 422),
        ({"name": "FID", "value": 10}, 422),  # not a metric this takes
        ({"name": "LCP", "value": "fast"}, 422),
        ({"name": "LCP", "value": 10_000_000}, 422),
        ({"name": "TTFB"}, 422),
    ],
)
async def test_bad_values_answer_422_and_store_nothing(app, runtime, alice, client, metric, status):
    profile = await make_public_profile(alice)
    beacon = _beacon(profile)
    beacon["metrics"].append(metric)
    response = await client.post("/api/monitoring/vitals", json=beacon)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == "invalid"
    await settle(app, runtime)
    assert await _rows(runtime) == []


async def test_a_beacon_over_64_kb_answers_413_and_stores_nothing(app, runtime, alice, client):
    profile = await make_public_profile(alice)
    beacon = _beacon(profile, padding="x" * (64 * 1024))
    response = await client.post("/api/monitoring/vitals", json=beacon)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"

    # without a length (chunked) too: the pipeline reads it bounded
    async def chunks():
        body = json.dumps(beacon).encode()
        for i in range(0, len(body), 8192):
            yield body[i : i + 8192]

    response = await client.post(
        "/api/monitoring/vitals", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    await settle(app, runtime)
    assert await _rows(runtime) == []


async def test_malformed_json_is_400(client):
    response = await client.post(
        "/api/monitoring/vitals", content=b"{nope", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


def test_ratings_follow_the_references_thresholds():
    assert rate("LCP", 2500) == "good" and rate("LCP", 2501) == "needs-improvement"
    assert rate("LCP", 4000) == "needs-improvement" and rate("LCP", 4001) == "poor"
    assert rate("CLS", 0.1) == "good" and rate("CLS", 0.26) == "poor"
    assert rate("INP", 200) == "good" and rate("INP", 500.5) == "poor"
    assert rate("FCP", 1800) == "good" and rate("FCP", 3000.1) == "poor"
    assert rate("TTFB", 800) == "good" and rate("TTFB", 1800) == "needs-improvement"
