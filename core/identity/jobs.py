"""Identity's housekeeping: sessions long expired leave the table."""

from __future__ import annotations

from core.identity.repo import SessionRepo
from core.jobs.dispatcher import JobContext

PURGE_CHUNK = 500
MAX_CHUNKS = 40  # bounded, so one run stays well inside the edge's limits


async def purge_expired_sessions(ctx: JobContext) -> None:
    """Delete sessions that expired more than a day ago, in bounded chunks."""
    sessions = SessionRepo(ctx.ports.db)
    for _ in range(MAX_CHUNKS):
        if await sessions.delete_expired(ctx.scheduled_time - 86400, PURGE_CHUNK) < PURGE_CHUNK:
            break
