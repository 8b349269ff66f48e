"""Plans: tiers with usage limits enforced before any work (the gate the kernel's
``core.usage`` asks), counters reset at each user's period end, the payment
provider's webhooks keeping the plan true, and feature flags.

``repo`` holds the SQL and the counting statement, ``snapshot`` the request
path's no-database view of a user's plan and usage, ``gate`` the ``UsageGate``,
``webhooks`` and ``signature`` the payment events, ``service`` the subscription
view and the daily resets, ``flags/`` the feature flags."""

from __future__ import annotations

from core.feature import Feature, Scheduled
from core.jobs.schedule import DAILY, EVERY_FIVE_MINUTES
from core.plans import page_files, routes
from core.plans.account import ACCOUNT_SECTION
from core.plans.flags import routes as flag_routes
from core.plans.flags.store import FlagRepo, publish
from core.plans.gate import GATE, PlanGate
from core.plans.jobs import BILLING_RESETS, REPUBLISH_FLAGS
from core.plans.repo import SUBSCRIPTIONS
from core.plans.snapshot import kv_key
from core.ports import Ports


async def forget_user(ports: Ports, user_id: str) -> None:
    """Erasure: the user's plan snapshot and their flag overrides go too."""
    await ports.kv.delete(kv_key(user_id))
    result = await ports.db.batch([FlagRepo(ports.db).forget_user_statement(user_id)])
    if result[0].changes:
        await publish(ports)


FEATURE = Feature(
    name="plans",
    routers=(routes.router, flag_routes.router),
    owned_tables=(SUBSCRIPTIONS,),
    erase_hooks=(forget_user,),
    jobs=(Scheduled(DAILY, BILLING_RESETS), Scheduled(EVERY_FIVE_MINUTES, REPUBLISH_FLAGS)),
    templates=page_files.FILES,
    provides=(GATE, ACCOUNT_SECTION),
)

__all__ = ["FEATURE", "GATE", "PlanGate"]
