"""The product: every feature, once. Adding a feature is one line here.

``create_app`` builds the routes, body rules and GDPR tools from this list, the
cron schedule is read from it, and the edge build check reads its policies.
The order is the order routes match in and jobs run in."""

from __future__ import annotations

from core import (
    admin,
    analytics,
    assets,
    content,
    github,
    home,
    identity,
    monitoring,
    plans,
    profiles,
    releases,
)
from core.audit.jobs import PURGE_AUDIT, SEAL_AUDIT
from core.feature import Feature, Scheduled, schedule
from core.jobs.dispatcher import Job, JobContext, JobOutcome
from core.jobs.dispatcher import run_cron as dispatch
from core.jobs.maintenance import purge_old_records
from core.jobs.schedule import CRONS, DAILY, EVERY_FIVE_MINUTES
from core.ports import Ports
from core.settings import Settings

# The foundation's housekeeping: rate-limit records and job runs; the audit chain.
FOUNDATION = Feature(
    name="foundation",
    jobs=(
        Scheduled(DAILY, Job("purge_old_records", purge_old_records)),
        Scheduled(EVERY_FIVE_MINUTES, SEAL_AUDIT),
        Scheduled(DAILY, PURGE_AUDIT),
    ),
)


async def _erase_closed_accounts(ctx: JobContext) -> None:
    await identity.erase_closed_accounts(ctx, FEATURES)


# Accounts whose grace period ended are erased across every feature: scheduled here,
# the one place that knows them all (issue 15).
ACCOUNT_ERASURE = Feature(
    name="account_erasure",
    jobs=(Scheduled(DAILY, Job("erase_closed_accounts", _erase_closed_accounts)),),
)

FEATURES: tuple[Feature, ...] = (
    FOUNDATION,
    ACCOUNT_ERASURE,
    profiles.FEATURE,
    monitoring.FEATURE,
    identity.FEATURE,
    analytics.FEATURE,
    github.FEATURE,
    assets.FEATURE,
    plans.FEATURE,
    content.FEATURE,
    home.FEATURE,
    releases.FEATURE,
    admin.FEATURE,
)

SCHEDULE = schedule(FEATURES, CRONS)


async def run_cron(
    expression: str, ports: Ports, settings: Settings, *, scheduled_time: float | None = None
) -> list[JobOutcome]:
    """Run the jobs of one cron expression of the product's schedule."""
    return await dispatch(
        expression, ports, settings, schedule=SCHEDULE, scheduled_time=scheduled_time
    )
