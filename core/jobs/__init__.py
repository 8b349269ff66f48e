"""Cron jobs and their dispatcher."""

from __future__ import annotations

from core.jobs.dispatcher import Job, JobContext, JobOutcome, run_job
from core.ports import Ports
from core.settings import Settings


async def run_cron(
    expression: str, ports: Ports, settings: Settings, *, scheduled_time: float | None = None
) -> list[JobOutcome]:
    """Run the jobs of one cron expression of the product's schedule."""
    # Imported here: the schedule imports every feature's jobs, which import this package.
    from core.jobs.dispatcher import run_cron as dispatch
    from core.jobs.schedule import SCHEDULE

    return await dispatch(
        expression, ports, settings, schedule=SCHEDULE, scheduled_time=scheduled_time
    )


__all__ = ["Job", "JobContext", "JobOutcome", "run_cron", "run_job"]
