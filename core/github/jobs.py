"""The five-minute cron job that keeps GitHub links fresh."""

from __future__ import annotations

import logging

from core.github.sync import sync_due_jobs
from core.jobs.dispatcher import Job, JobContext

log = logging.getLogger("creator_edge.github")


async def sync_github_links(ctx: JobContext) -> None:
    """Sync the GitHub links that are due, within this run's request budget."""
    report = await sync_due_jobs(ctx.ports, ctx.settings, budget=ctx.settings.github_sync_requests)
    log.info(
        "github sync: %d claimed, %d requests, %d updated, %d unchanged, %d gone,"
        " %d failed, %d limited, %d released",
        report.claimed,
        report.requests,
        report.updated,
        report.unchanged,
        report.gone,
        report.failed,
        report.limited,
        report.released,
    )


# Shorter than a claimed job's lease (sync.LEASE_SECONDS): a run that overstays
# is cancelled before its jobs could be taken over.
GITHUB_SYNC_JOB = Job("github_sync", sync_github_links, lease_seconds=180)
