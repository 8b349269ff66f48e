"""The cron dispatcher: leases, run records, isolation of failures."""

from __future__ import annotations

import asyncio

import pytest

from core.features import SCHEDULE
from core.jobs.dispatcher import Job, JobContext, run_cron, run_job
from core.jobs.schedule import CRONS


def ctx_for(runtime, settings) -> JobContext:
    return JobContext(runtime.ports(), settings, "*/5 * * * *", runtime.ports().clock.now())


@pytest.mark.planted_error
async def test_a_failing_job_never_stops_the_others(runtime, settings) -> None:
    ran: list[str] = []

    async def ok(ctx: JobContext) -> None:
        ran.append("ok")

    async def broken(ctx: JobContext) -> None:
        raise ValueError("upstream said no")

    schedule = {"*/5 * * * *": (Job("first", ok), Job("broken", broken), Job("last", ok))}
    outcomes = await run_cron("*/5 * * * *", runtime.ports(), settings, schedule=schedule)
    assert [(o.job, o.outcome) for o in outcomes] == [
        ("first", "success"),
        ("broken", "failed"),
        ("last", "success"),
    ]
    assert outcomes[1].error == "ValueError: upstream said no"
    assert ran == ["ok", "ok"]
    runs = await runtime.database.all(
        "SELECT job, outcome, finished_at FROM job_runs ORDER BY rowid"
    )
    assert [(r["job"], r["outcome"]) for r in runs] == [
        ("first", "success"),
        ("broken", "failed"),
        ("last", "success"),
    ]
    assert all(r["finished_at"] for r in runs)
    assert await runtime.database.all("SELECT * FROM job_leases") == []


async def test_a_job_cannot_overlap_itself(runtime, settings) -> None:
    started = asyncio.Event()
    release = asyncio.Event()
    calls = 0

    async def slow(ctx: JobContext) -> None:
        nonlocal calls
        calls += 1
        started.set()
        await release.wait()

    job = Job("slow", slow)
    first = asyncio.create_task(run_job(job, ctx_for(runtime, settings)))
    await started.wait()
    second = await run_job(job, ctx_for(runtime, settings))
    assert second.outcome == "skipped"
    release.set()
    assert (await first).outcome == "success"
    assert calls == 1
    third = await run_job(job, ctx_for(runtime, settings))
    assert third.outcome == "success" and calls == 2
    outcomes = [
        r["outcome"]
        for r in await runtime.database.all(
            "SELECT outcome FROM job_runs WHERE job = 'slow' ORDER BY started_at, id"
        )
    ]
    assert sorted(outcomes) == ["skipped", "success", "success"]


async def test_an_expired_lease_is_taken_over(runtime, settings, clock) -> None:
    # A runner that died holding the lease: it stays until it expires.
    await runtime.database.run(
        "INSERT INTO job_leases (job, holder, expires_at, acquired_at) VALUES (?, ?, ?, ?)",
        "orphan",
        "dead-runner",
        clock.now() + 100,
        "2026-01-01T00:00:00Z",
    )

    async def work(ctx: JobContext) -> None:
        return None

    job = Job("orphan", work)
    assert (await run_job(job, ctx_for(runtime, settings))).outcome == "skipped"
    clock.advance(101)
    assert (await run_job(job, ctx_for(runtime, settings))).outcome == "success"


@pytest.mark.planted_error
async def test_a_job_that_outlives_its_lease_is_stopped_and_recorded(runtime, settings) -> None:
    async def hangs(ctx: JobContext) -> None:
        await asyncio.sleep(30)

    outcome = await run_job(Job("hangs", hangs, lease_seconds=0.05), ctx_for(runtime, settings))  # type: ignore[arg-type]
    assert outcome.outcome == "failed" and outcome.error.startswith("TimeoutError")


async def test_the_schedule_matches_wrangler_toml() -> None:
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).parents[2] / "wrangler.toml").read_text())
    assert list(config["triggers"]["crons"]) == list(CRONS) == list(SCHEDULE)


async def test_health_job_keeps_the_last_check_for_the_health_route(client, runtime) -> None:
    from core.features import run_cron as run_product_cron

    outcomes = await run_product_cron("*/5 * * * *", runtime.ports(), runtime.settings)
    assert {o.job: o.outcome for o in outcomes}["health_checks"] == "success"
    assert all(o.outcome == "success" for o in outcomes)
    body = (await client.get("/api/health")).json()
    assert body["last_scheduled_check"]["dependencies"]["database"]["status"] == "ok"


async def test_dev_mode_fires_a_schedule_over_http(client) -> None:
    response = await client.get("/__scheduled", params={"cron": "30 3 * * *"})
    assert response.status_code == 200
    assert response.json()["jobs"][0] == {
        "job": "purge_old_records",
        "outcome": "success",
        "duration_ms": response.json()["jobs"][0]["duration_ms"],
        "error": None,
    }
    unknown = await client.get("/__scheduled", params={"cron": "1 2 3 4 5"})
    assert unknown.status_code == 404


async def test_scheduled_route_exists_only_in_dev_mode(settings, runtime) -> None:
    from core.app import create_app
    from tests.conftest import make_client

    app = create_app(settings.model_copy(update={"dev": False}), runtime)
    async with make_client(app) as client:
        response = await client.get("/__scheduled", params={"cron": "*/5 * * * *"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_daily_purge_drops_only_old_records(runtime, settings, clock) -> None:
    from core.clock import iso
    from core.jobs.maintenance import purge_old_records

    db = runtime.database
    old, recent = iso(clock.now() - 31 * 86400), iso(clock.now() - 86400)
    for i, start in enumerate([old] * 3 + [recent]):
        await db.run(
            "INSERT INTO rate_limit_records (id, identifier, endpoint, window_start,"
            ' request_count, "limit", window_ms, created_at, updated_at)'
            " VALUES (?, ?, 'default', ?, 101, 100, 60000, ?, ?)",
            f"r{i}",
            f"client-{i}",
            start,
            start,
            start,
        )
    await purge_old_records(ctx_for(runtime, settings))
    left = await db.all("SELECT id FROM rate_limit_records")
    assert [r["id"] for r in left] == ["r3"]
