"""Analytics cron jobs: the hourly fold; the daily retention purge and salt rotation."""

from __future__ import annotations

import logging

from core.analytics import repo
from core.analytics.ingest import salts
from core.analytics.reports import rollup
from core.jobs.dispatcher import JobContext

log = logging.getLogger("creator_edge.analytics")
PURGE_CHUNK = 5000
MAX_CHUNKS = 40  # at most 200,000 rows a table a run: bounded inside the edge's limits


async def rollup_hours(ctx: JobContext) -> None:
    """Fold raw events into the hourly and daily rollups."""
    outcome = await rollup.rollup_recent(ctx.ports.db, ctx.scheduled_time)
    log.info("analytics rollup: %d hours folded", outcome["hours"])


async def purge_analytics(ctx: JobContext) -> None:
    """Delete raw events and rollups older than their retention, in bounded chunks."""
    db, settings = ctx.ports.db, ctx.settings
    events_before = int((ctx.scheduled_time - settings.analytics_raw_days * 86400) * 1000)
    rollups_before = int(ctx.scheduled_time - settings.analytics_rollup_days * 86400)
    for _ in range(MAX_CHUNKS):
        if await repo.purge_events_chunk(db, events_before, PURGE_CHUNK) < PURGE_CHUNK:
            break
    for _ in range(MAX_CHUNKS):
        if await repo.purge_rollups_chunk(db, rollups_before, PURGE_CHUNK) < PURGE_CHUNK:
            break


async def rotate_salts(ctx: JobContext) -> None:
    """Make today's and tomorrow's visitor salts; delete those older than yesterday."""
    await salts.rotate(ctx.ports.kv, ctx.scheduled_time)
