"""Retention: diagnostics older than ``CREATOR_EDGE_DIAGNOSTICS_RETENTION_DAYS`` go,
their stored files first, then their rows, in bounded chunks."""

from __future__ import annotations

from core.jobs.dispatcher import Job, JobContext
from core.releases.repo import ActivityRepo

CHUNK = 500
MAX_CHUNKS = 40


async def purge_diagnostics(ctx: JobContext) -> None:
    """Delete old diagnostic uploads with their files (reported paths are not ours)."""
    repo = ActivityRepo(ctx.ports.db)
    cutoff = ctx.scheduled_time - ctx.settings.diagnostics_retention_days * 86400
    for _ in range(MAX_CHUNKS):
        rows = await repo.diagnostics_before(cutoff, CHUNK)
        if not rows:
            break
        keys = [r["file_path"] for r in rows if r["stored"]]
        if keys:
            await ctx.ports.blobs.delete(keys)
        await ctx.ports.db.batch([repo.delete_diagnostics_statement([r["id"] for r in rows])])
        if len(rows) < CHUNK:
            break


PURGE_DIAGNOSTICS_JOB = Job("releases_diagnostics_retention", purge_diagnostics)
