"""The daily end of grace periods: accounts their owners closed more than
``account_grace_days`` ago are erased through the same erasure as ``gdpr.erase``."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from core.clock import iso
from core.data.actor import Actor
from core.feature import Feature
from core.identity import gdpr
from core.jobs.dispatcher import JobContext

log = logging.getLogger("creator_edge.identity")
ERASE_PER_RUN = 50  # bounded: one erasure is several statements and blob deletes


async def erase_closed_accounts(ctx: JobContext, features: Sequence[Feature]) -> None:
    """Erase the accounts whose grace period has ended (at most ``ERASE_PER_RUN`` a run),
    through every feature's owned tables and erase hooks (the product's ``FEATURES``:
    ``core/features.py`` schedules this job, being the one place that knows them)."""
    rows = await ctx.ports.db.all(
        "SELECT id, role FROM users WHERE deleted_at IS NOT NULL AND erase_after IS NOT NULL"
        " AND erase_after <= ? ORDER BY erase_after LIMIT ?",
        iso(ctx.scheduled_time),
        ERASE_PER_RUN,
    )
    for row in rows:
        actor = Actor(row["id"], row["role"])
        await gdpr.erase(ctx.ports, actor, features, {"details": {"reason": "grace_period_ended"}})
    if rows:
        log.info("erased %d accounts whose grace period ended", len(rows))
