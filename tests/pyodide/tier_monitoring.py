"""Monitoring under Pyodide through the worker entry, over Miniflare's D1, KV
and R2: the vitals and error beacons written inside ``waitUntil``, bad beacons
refused, server timings, custom metrics, alert rules fired by the scheduled
handler, and the percentile API over the rollup."""

from __future__ import annotations

import json
import time

import js  # type: ignore[import-not-found]
import pytest
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from tests.pyodide.edge import Worker, rows, worker

PASSWORD = "correct horse battery"


@pytest.fixture
async def edge() -> Worker:
    return await worker()


async def _owner(edge: Worker, name: str = "vera") -> tuple[dict[str, str], str]:
    answer = await edge.fetch(
        "POST",
        "/api/auth/register",
        json_body={"email": f"{name}@example.com", "username": name, "password": PASSWORD},
    )
    assert answer.status == 201, answer.text
    auth = {"authorization": f"Bearer {answer.json()['access_token']}"}
    made = await edge.fetch(
        "POST",
        "/api/profiles",
        json_body={"slug": f"{name}-page", "display_name": "V"},
        headers=auth,
    )
    assert made.status == 201, made.text
    return auth, made.json()["id"]


async def _scheduled(edge: Worker, cron: str) -> None:
    import _tier  # type: ignore[import-not-found]

    controller = to_js(
        {"cron": cron, "scheduledTime": time.time() * 1000}, dict_converter=js.Object.fromEntries
    )
    await edge.default.scheduled(controller, _tier.env, edge.ctx)
    await edge.settle()


async def test_vitals_are_stored_after_the_response_and_read_back_as_percentiles(edge) -> None:
    auth, profile = await _owner(edge)
    beacon = {
        "profile_id": profile,
        "page": "/p/vera-page",
        "device": "mobile",
        "metrics": [{"name": "LCP", "value": 2400}, {"name": "CLS", "value": 0.3}],
    }
    answer = await edge.fetch(
        "POST",
        "/api/monitoring/vitals",
        body=json.dumps(beacon),
        headers={"content-type": "text/plain"},
    )
    assert answer.status == 202, answer.text
    assert answer.headers["server-timing"].startswith("app;dur=")
    await edge.settle()
    stored = await rows("SELECT metric_type, rating FROM performance_data ORDER BY metric_type")
    assert stored == [
        {"metric_type": "CLS", "rating": "poor"},
        {"metric_type": "LCP", "rating": "good"},
    ]
    await _scheduled(edge, "0 * * * *")
    report = await edge.fetch("GET", "/api/monitoring/performance", headers=auth)
    assert report.status == 200, report.text
    items = {i["metric"]: i for i in report.json()["items"]}
    assert abs(items["LCP"]["p75"] - 2400) <= 24 and items["CLS"]["rating"] == "poor"


async def test_bad_beacons_are_refused_and_store_nothing(edge) -> None:
    _, profile = await _owner(edge)
    for metric, status in (({"name": "CLS", "value": -1}, 422), ({"name": "FID", "value": 1}, 422)):
        answer = await edge.fetch(
            "POST",
            "/api/monitoring/vitals",
            json_body={"profile_id": profile, "page": "/", "metrics": [metric]},
        )
        assert answer.status == status, answer.text
    big = {"profile_id": profile, "page": "/", "metrics": [], "pad": "x" * 70_000}
    answer = await edge.fetch("POST", "/api/monitoring/vitals", json_body=big)
    assert answer.status == 413, answer.text
    await edge.settle()
    assert await rows("SELECT id FROM performance_data") == []


async def test_errors_group_and_server_timings_are_written_in_wait_until(edge) -> None:
    _, profile = await _owner(edge)
    for _ in range(2):
        answer = await edge.fetch(
            "POST",
            "/api/monitoring/errors",
            json_body={
                "name": "TypeError",
                "message": "token=abc123 for a@b.co",
                "profile_id": profile,
            },
        )
        assert answer.status == 202, answer.text
    await edge.settle()
    [group] = await rows("SELECT count, error_message FROM error_logs")
    assert group["count"] == 2
    assert "abc123" not in group["error_message"] and "a@b.co" not in group["error_message"]
    timings = await rows(
        "SELECT json_extract(metadata, '$.route') AS route FROM monitoring_metrics"
        " WHERE name = 'API_RESPONSE_TIME'"
    )
    assert {"/api/monitoring/errors", "/api/auth/register"} <= {t["route"] for t in timings}


async def test_a_rule_fires_from_the_scheduled_handler(edge) -> None:
    auth, _ = await _owner(edge)
    rule = await edge.fetch(
        "POST",
        "/api/alert-rules",
        json_body={
            "name": "Busy",
            "condition_type": "threshold",
            "condition_config": {"metric": "jobs", "op": ">", "value": 3},
        },
        headers=auth,
    )
    assert rule.status == 201, rule.text
    metric = await edge.fetch(
        "POST",
        "/api/monitoring/metrics",
        json_body={"metrics": [{"name": "jobs", "value": 9}]},
        headers=auth,
    )
    assert metric.status == 201, metric.text
    await _scheduled(edge, "*/5 * * * *")
    alerts = (await edge.fetch("GET", "/api/alerts", headers=auth)).json()["items"]
    assert [a["status"] for a in alerts] == ["active"]
    acked = await edge.fetch("POST", f"/api/alerts/{alerts[0]['id']}/acknowledge", headers=auth)
    assert acked.status == 200 and acked.json()["status"] == "acknowledged"
    health = await rows("SELECT service_name FROM system_health ORDER BY service_name")
    assert {"database", "kv", "blobs"} <= {h["service_name"] for h in health}
