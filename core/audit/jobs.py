"""The audit chain's cron work: seal new entries every five minutes; purge entries
past the retention daily, behind a signed checkpoint (``core.audit.chain``)."""

from __future__ import annotations

import logging

from core.audit import chain
from core.clock import iso
from core.jobs.dispatcher import Job, JobContext

log = logging.getLogger("creator_edge.audit")


async def seal_audit(ctx: JobContext) -> None:
    sealed = await chain.seal(ctx.ports.db, chain.chain_key(ctx.settings))
    if sealed:
        log.info("audit: %d entries sealed", sealed)


async def purge_audit(ctx: JobContext) -> None:
    key = chain.chain_key(ctx.settings)
    await chain.seal(ctx.ports.db, key)  # only sealed entries are cut, so seal first
    before = iso(ctx.scheduled_time - ctx.settings.audit_retention_days * 86400)
    purged = await chain.purge(ctx.ports.db, key, before, ctx.ports.clock.now())
    if purged:
        log.info("audit: %d entries past the retention purged", purged)


SEAL_AUDIT = Job("seal_audit", seal_audit)
PURGE_AUDIT = Job("purge_audit", purge_audit)
