"""The plans feature's scheduled work."""

from __future__ import annotations

from core.jobs.dispatcher import Job, JobContext
from core.plans.flags.store import publish
from core.plans.service import billing_period_resets


async def republish_flags(ctx: JobContext) -> None:
    """The flags document again, in case a publish failed or KV lost it."""
    await publish(ctx.ports)


BILLING_RESETS = Job("billing_period_resets", billing_period_resets)
REPUBLISH_FLAGS = Job("republish_flags", republish_flags, lease_seconds=60)
