"""Monitoring's owned resources for the isolation walk: one of A's error groups,
alert rules, alerts and dashboards."""

from __future__ import annotations

import asyncio

import httpx


async def create_error(client: httpx.AsyncClient, ids: dict[str, str]) -> str:
    response = await client.post(
        "/api/monitoring/errors", json={"name": "TypeError", "message": "x is undefined"}
    )
    assert response.status_code == 202, response.text
    for _ in range(100):  # stored after the response
        items = (await client.get("/api/monitoring/errors")).json()["items"]
        if items:
            return items[0]["id"]
        await asyncio.sleep(0.02)
    raise AssertionError("the error report was not stored")


async def create_rule(client: httpx.AsyncClient, ids: dict[str, str]) -> str:
    response = await client.post(
        "/api/alert-rules",
        json={
            "name": "Walk",
            "condition_type": "threshold",
            "condition_config": {"metric": "walk", "op": ">", "value": 1, "window_minutes": 5},
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def create_alert(client: httpx.AsyncClient, ids: dict[str, str]) -> str:
    response = await client.post(
        "/api/monitoring/metrics", json={"metrics": [{"name": "walk", "value": 5}]}
    )
    assert response.status_code == 201, response.text
    fired = await client.get("/__scheduled", params={"cron": "*/5 * * * *"})
    assert fired.status_code == 200, fired.text
    items = (await client.get("/api/alerts")).json()["items"]
    assert items, "the rule did not fire"
    return items[0]["id"]


async def create_dashboard(client: httpx.AsyncClient, ids: dict[str, str]) -> str:
    response = await client.post(
        "/api/dashboards", json={"name": "Walk", "widget_configs": [{"type": "vitals"}]}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


# Path segment before an id parameter -> how user A makes one of that resource.
CREATORS = {
    "errors": create_error,
    "alert-rules": create_rule,
    "alerts": create_alert,
    "dashboards": create_dashboard,
}
