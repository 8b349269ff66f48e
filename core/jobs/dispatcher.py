"""The cron dispatcher: a cron expression names a list of jobs; each job runs
under a lease (so it never overlaps itself, wherever it runs) and every run is
recorded with its start, end and outcome. A failing job never stops the rest."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from core.clock import iso
from core.ids import new_id
from core.ports import Ports
from core.settings import Settings

log = logging.getLogger("creator_edge.jobs")
_ERROR_MAX = 500


@dataclass(frozen=True, slots=True)
class JobContext:
    ports: Ports
    settings: Settings
    cron: str
    scheduled_time: float


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    run: Callable[[JobContext], Awaitable[None]]
    # The longest a run may take; also how long its lease holds if a runner dies.
    lease_seconds: int = 240


@dataclass(frozen=True, slots=True)
class JobOutcome:
    job: str
    outcome: str  # success, failed or skipped (the lease was held elsewhere)
    duration_ms: int
    error: str | None = None


async def run_cron(
    expression: str,
    ports: Ports,
    settings: Settings,
    *,
    schedule: Mapping[str, Sequence[Job]],
    scheduled_time: float | None = None,
) -> list[JobOutcome]:
    """Run every job of ``expression`` once, one after another."""
    jobs = schedule.get(expression)
    if jobs is None:
        log.warning("no jobs for cron %r", expression)
        return []
    ctx = JobContext(ports, settings, expression, scheduled_time or ports.clock.now())
    return [await run_job(job, ctx) for job in jobs]


async def run_job(job: Job, ctx: JobContext) -> JobOutcome:
    db, clock = ctx.ports.db, ctx.ports.clock
    holder = new_id()
    started = clock.now()
    run_id = new_id(started)
    lease = await db.run(
        "INSERT INTO job_leases (job, holder, expires_at, acquired_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (job) DO UPDATE SET holder = excluded.holder,"
        " expires_at = excluded.expires_at, acquired_at = excluded.acquired_at"
        " WHERE job_leases.expires_at <= ? RETURNING holder",
        job.name,
        holder,
        started + job.lease_seconds,
        iso(started),
        started,
    )
    if not lease.rows:
        await db.run(
            "INSERT INTO job_runs (id, job, cron, started_at, finished_at, outcome, duration_ms)"
            " VALUES (?, ?, ?, ?, ?, 'skipped', 0)",
            run_id,
            job.name,
            ctx.cron,
            iso(started),
            iso(started),
        )
        return JobOutcome(job.name, "skipped", 0)
    await db.run(
        "INSERT INTO job_runs (id, job, cron, started_at, outcome) VALUES (?, ?, ?, ?, 'running')",
        run_id,
        job.name,
        ctx.cron,
        iso(started),
    )
    t0 = time.perf_counter()
    outcome, error = "success", None
    try:
        await asyncio.wait_for(job.run(ctx), timeout=job.lease_seconds)
    except Exception as exc:  # a failing job is recorded, never raised to the others
        outcome = "failed"
        error = f"{type(exc).__name__}: {exc}"[:_ERROR_MAX]
        log.exception("cron job %s failed", job.name)
    duration_ms = int((time.perf_counter() - t0) * 1000)
    try:
        await db.run(
            "UPDATE job_runs SET finished_at = ?, outcome = ?, error = ?, duration_ms = ?"
            " WHERE id = ?",
            iso(clock.now()),
            outcome,
            error,
            duration_ms,
            run_id,
        )
        await db.run("DELETE FROM job_leases WHERE job = ? AND holder = ?", job.name, holder)
    except Exception:
        log.exception("could not record the end of cron job %s", job.name)
    return JobOutcome(job.name, outcome, duration_ms, error)
