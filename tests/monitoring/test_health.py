"""Health: the five-minute job records a SystemHealth row per dependency,
``/api/health`` shows the latest of each, and a dependency that is down opens a
built-in alert that resolves when it is back."""

from __future__ import annotations

from core.features import run_cron
from core.jobs.schedule import EVERY_FIVE_MINUTES
from core.monitoring import health
from tests.conftest import bearer, make_client, register

FIVE = EVERY_FIVE_MINUTES


async def _admin(app, runtime) -> object:
    from core.identity import set_role_by_login

    client = make_client(app, ip="198.51.100.9")
    await register(client, "olga")
    await set_role_by_login(runtime.ports(), app.state.settings, "olga", "admin")
    login = await client.post(
        "/api/auth/login", json={"username": "olga", "password": "correct horse battery"}
    )
    client.headers.update(bearer(login.json()))
    return client


async def _a_github_link(app) -> None:
    """GitHub is checked only while some link is a GitHub link (issue 17)."""
    async with make_client(app, ip="198.51.100.10") as owner:
        owner.headers.update(bearer(await register(owner, "gitta")))
        made = await owner.post("/api/profiles", json={"slug": "gitta", "display_name": "G"})
        link = await owner.post(
            f"/api/profiles/{made.json()['id']}/links",
            json={"title": "Code", "url": "https://github.com/gitta/tool"},
        )
        assert link.status_code == 201, link.text


async def test_without_a_github_link_github_is_not_called(runtime, receiver, settings):
    await run_cron(FIVE, runtime.ports(), settings)
    rows = await runtime.database.all("SELECT service_name FROM system_health")
    assert "github_api" not in {r["service_name"] for r in rows}
    assert receiver.received == []


async def test_checks_are_recorded_and_shown_by_health(app, runtime, client, receiver, settings):
    await _a_github_link(app)
    outcomes = await run_cron(FIVE, runtime.ports(), settings)
    assert {o.job: o.outcome for o in outcomes}["health_checks"] == "success"
    rows = await runtime.database.all("SELECT * FROM system_health ORDER BY service_name")
    assert [r["service_name"] for r in rows] == [
        "blobs",
        "database",
        "github_api",
        "kv",
        "rate_limit_counter",
    ]
    assert {r["status"] for r in rows} == {"healthy"}
    assert all(r["error_rate"] == 0 for r in rows)
    assert any(r.path == "/rate_limit" for r in receiver.received)
    body = (await client.get("/api/health")).json()
    assert set(body["recorded"]) == {r["service_name"] for r in rows}
    assert body["recorded"]["github_api"]["status"] == "healthy"


async def test_a_dependency_down_opens_a_builtin_alert_that_resolves(
    app, runtime, client, receiver, settings, clock
):
    await _a_github_link(app)
    await receiver.stop()  # GitHub is unreachable
    await run_cron(FIVE, runtime.ports(), settings)
    [row] = await runtime.database.all(
        "SELECT * FROM system_health WHERE service_name = 'github_api'"
    )
    assert row["status"] == "down" and row["error_rate"] == 100 and row["last_error"]
    alerts = await runtime.database.all("SELECT * FROM alert_instances")
    assert [(a["source"], a["status"], a["owner_id"]) for a in alerts] == [
        ("health:github_api", "active", None)
    ]
    # still down: no second alert
    clock.advance(300)
    await run_cron(FIVE, runtime.ports(), settings)
    assert len(await runtime.database.all("SELECT id FROM alert_instances")) == 1
    # admins see it; other users do not
    admin = await _admin(app, runtime)
    listed = (await admin.get("/api/alerts", params={"scope": "platform"})).json()["items"]
    assert [a["source"] for a in listed] == ["health:github_api"]
    assert (await client.get("/api/alerts", params={"scope": "platform"})).status_code == 401
    await receiver.start()
    clock.advance(300)
    await run_cron(FIVE, runtime.ports(), settings)
    [alert] = await runtime.database.all("SELECT * FROM alert_instances")
    assert alert["status"] == "resolved" and alert["resolved_by"] == "system"
    latest = (await client.get("/api/health")).json()["recorded"]["github_api"]
    assert latest["status"] == "healthy" and 0 < latest["error_rate"] < 100
    await admin.aclose()


async def test_a_slow_dependency_is_degraded():
    assert health._status({"status": "ok", "latency_ms": 1500}) == "degraded"
    assert health._status({"status": "ok", "latency_ms": 5}) == "healthy"
    assert health._status({"status": "degraded", "latency_ms": 5}) == "degraded"
    assert health._status({"status": "down"}) == "down"
