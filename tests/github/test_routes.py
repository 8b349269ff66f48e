"""GitHub sync over HTTP: status, sync now (rate-limited, queued while the
GitHub limit is spent), the interval, and the five-minute cron."""

from __future__ import annotations

import json

from core.github.gate import GATE_KEY

URL = "https://github.com/encode/httpx"


async def test_status_of_a_new_link(alice, links, clock) -> None:
    link_id = await links.add(links.of(alice), URL)
    response = await alice.get(f"/api/links/{link_id}/sync")
    assert response.status_code == 200
    body = response.json()
    assert body["link_id"] == link_id
    assert body["status"] == "pending"
    assert body["sync_interval_hours"] == 24
    assert body["last_sync_at"] is None
    assert body["next_sync_at"] == "2026-09-21T14:13:30Z"
    assert body["error_count"] == 0
    assert body["github"]["repo"] == "encode/httpx"
    assert body["github"]["gone"] is False
    assert response.headers["cache-control"] == "no-store"


async def test_not_mine_or_not_github_is_404(alice, bob, client, links) -> None:
    mine = await links.add(links.of(alice), URL)
    plain = await links.add(links.of(alice), "https://example.com/")
    for method in ("GET", "POST"):
        assert (await bob.request(method, f"/api/links/{mine}/sync")).status_code == 404
        assert (await alice.request(method, f"/api/links/{plain}/sync")).status_code == 404
        assert (await alice.request(method, "/api/links/nope/sync")).status_code == 404
        assert (await client.request(method, f"/api/links/{mine}/sync")).status_code == 401
    patch = await bob.patch(f"/api/links/{mine}/sync", json={"sync_interval_hours": 2})
    assert patch.status_code == 404
    assert (await links.job(mine))["sync_interval_hours"] == 24


async def test_sync_now(alice, github, links, clock) -> None:
    github.add("encode", "httpx", stars=42, language="Rust")
    link_id = await links.add(links.of(alice), URL)
    response = await alice.post(f"/api/links/{link_id}/sync")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    assert body["github"]["stars"] == 42 and body["github"]["language"] == "Rust"
    assert body["github"]["synced_at"] == body["last_sync_at"] == "2026-09-21T14:13:30Z"
    assert len(github.seen) == 1

    # Just synced: answered as it is, without asking GitHub again.
    again = await alice.post(f"/api/links/{link_id}/sync")
    assert again.status_code == 200 and len(github.seen) == 1


async def test_sync_now_waits_for_a_spent_limit(alice, github, links, clock, runtime) -> None:
    github.add("encode", "httpx")
    link_id = await links.add(links.of(alice), URL)
    await links.set_due(clock.now() + 86400)
    reset = clock.now() + 900
    gate = {"remaining": 0, "reset": reset, "paused_until": reset}
    await runtime.ports().kv.put(GATE_KEY, json.dumps(gate), ttl=960)

    response = await alice.post(f"/api/links/{link_id}/sync")

    assert response.status_code == 202
    assert response.headers["retry-after"] == "900"
    assert response.json()["retry_after"] == 900
    assert github.seen == []
    assert (await links.job(link_id))["next_sync_at"] == reset


async def test_sync_now_is_rate_limited(alice, github, links) -> None:
    github.add("encode", "httpx", behaviour="error", status=500)
    link_id = await links.add(links.of(alice), URL)
    for _ in range(6):
        response = await alice.post(f"/api/links/{link_id}/sync")
        assert response.status_code == 200
        assert response.json()["status"] == "failed"
    limited = await alice.post(f"/api/links/{link_id}/sync")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert "retry-after" in limited.headers
    assert len(github.seen) == 6


async def test_sync_interval(alice, github, links, clock) -> None:
    github.add("encode", "httpx")
    link_id = await links.add(links.of(alice), URL)
    await alice.post(f"/api/links/{link_id}/sync")
    response = await alice.patch(f"/api/links/{link_id}/sync", json={"sync_interval_hours": 6})
    assert response.status_code == 200
    assert response.json()["sync_interval_hours"] == 6
    assert (await links.job(link_id))["next_sync_at"] == clock.now() + 6 * 3600
    for bad in (0, 169, "x"):
        body = {"sync_interval_hours": bad}
        response = await alice.patch(f"/api/links/{link_id}/sync", json=body)
        assert response.status_code == 422


async def test_the_five_minute_cron_syncs_due_links(client, alice, github, links) -> None:
    github.add("encode", "httpx", stars=7)
    link_id = await links.add(links.of(alice), URL)
    response = await client.get("/__scheduled", params={"cron": "*/5 * * * *"})
    assert response.status_code == 200
    outcomes = {job["job"]: job["outcome"] for job in response.json()["jobs"]}
    assert outcomes["github_sync"] == "success"
    job = await links.job(link_id)
    assert (job["status"], job["stars"]) == ("success", 7)
