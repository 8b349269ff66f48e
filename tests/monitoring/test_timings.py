"""Server timings: every request answers a Server-Timing header and is recorded
as API_RESPONSE_TIME (route template, method, status, duration) after its
response, many rows a write."""

from __future__ import annotations

import json

from tests.monitoring.conftest import settle


async def test_requests_are_timed_by_route_template_after_the_response(app, runtime, alice):
    profile = (
        await alice.post("/api/profiles", json={"slug": "alice", "display_name": "A"})
    ).json()
    response = await alice.get(f"/api/profiles/{profile['id']}")
    assert response.status_code == 200
    header = response.headers["server-timing"]
    assert header.startswith("app;dur=") and float(header.split("=")[1]) >= 0
    missing = await alice.get("/api/profiles/01M32514RG1M8ZC2JSXGMH4KV6")
    assert missing.status_code == 404 and "server-timing" in missing.headers
    # nothing is written on the request path: the buffer holds the rows
    assert (
        await runtime.database.all(
            "SELECT id FROM monitoring_metrics WHERE name = 'API_RESPONSE_TIME'"
        )
        == []
    )
    await settle(app, runtime)
    rows = await runtime.database.all(
        "SELECT * FROM monitoring_metrics WHERE name = 'API_RESPONSE_TIME' ORDER BY id"
    )
    seen = [(json.loads(r["metadata"])["route"], json.loads(r["metadata"])["status"]) for r in rows]
    assert ("/api/profiles/{profile_id}", 200) in seen or ("/api/profiles/{id}", 200) in seen
    assert any(status == 404 for _, status in seen)
    assert all(profile["id"] not in route for route, _ in seen)
    assert {r["owner_id"] for r in rows} == {None} and {r["unit"] for r in rows} == {"ms"}
    assert all(r["value"] >= 0 for r in rows)


async def test_an_unmatched_path_is_one_series(app, runtime, client):
    for path in ("/nope/1", "/nope/2"):
        assert (await client.get(path)).status_code == 404
    await settle(app, runtime)
    rows = await runtime.database.all("SELECT metadata FROM monitoring_metrics")
    assert {json.loads(r["metadata"])["route"] for r in rows} == {"<unmatched>"}


async def test_custom_metrics_are_stored_for_the_signed_in_user(runtime, alice, client):
    assert (await client.post("/api/monitoring/metrics", json={"metrics": []})).status_code == 401
    response = await alice.post(
        "/api/monitoring/metrics",
        json={
            "metrics": [
                {"name": "queue.depth", "value": 12, "unit": "count", "metadata": {"queue": "mail"}}
            ]
        },
    )
    assert response.status_code == 201, response.text
    me = (await alice.get("/api/me")).json()["id"]
    [row] = await runtime.database.all(
        "SELECT * FROM monitoring_metrics WHERE name = 'queue.depth'"
    )
    assert (
        row["owner_id"] == me
        and row["value"] == 12
        and json.loads(row["metadata"]) == {"queue": "mail"}
    )
    for bad in (
        {"name": "1x", "value": 1},
        {"name": "x", "value": "a"},
        {"name": "x", "value": 1, "unit": "parsecs"},
    ):
        response = await alice.post("/api/monitoring/metrics", json={"metrics": [bad]})
        assert response.status_code == 422
    export = (await alice.get("/api/me/export")).json()
    assert "monitoring_metrics" in json.dumps(export)
