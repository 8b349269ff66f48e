"""Housekeeping of the foundation: old rate-limit records and job runs."""

from __future__ import annotations

from core.clock import iso
from core.jobs.dispatcher import JobContext

RECORDS_KEPT_DAYS = 30
PURGE_CHUNK = 500
MAX_CHUNKS = 40  # bounded, so one run stays well inside the edge's limits


async def purge_old_records(ctx: JobContext) -> None:
    """Delete rate-limit records and job runs older than the retention, in chunks."""
    cutoff = iso(ctx.scheduled_time - RECORDS_KEPT_DAYS * 86400)
    for table, column in (("rate_limit_records", "window_start"), ("job_runs", "started_at")):
        for _ in range(MAX_CHUNKS):
            result = await ctx.ports.db.run(
                f"DELETE FROM {table} WHERE rowid IN"  # noqa: S608 (fixed names)
                f" (SELECT rowid FROM {table} WHERE {column} < ? LIMIT ?)",
                cutoff,
                PURGE_CHUNK,
            )
            if result.changes < PURGE_CHUNK:
                break
