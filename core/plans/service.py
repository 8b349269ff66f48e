"""The subscription as its owner sees it, and the daily cron's work: counters
reset at each user's own period end, API-call counters each day, and a failed
payment's grace period ended by a move to free."""

from __future__ import annotations

from core.clock import iso
from core.jobs.dispatcher import JobContext
from core.plans.models import MeterUsage, SubscriptionOut
from core.plans.periods import period_after
from core.plans.repo import METERS, PlansRepo
from core.plans.snapshot import refresh
from core.ports import Ports

CHUNK = 200
MAX_CHUNKS = 25  # bounded: one run stays inside the edge's limits


async def subscription(ports: Ports, owner_id: str) -> SubscriptionOut:
    repo = PlansRepo(ports.db)
    row = await repo.get(owner_id)
    if row is None:
        await repo.ensure(owner_id, ports.clock.now())
        row = await repo.get(owner_id)
        assert row is not None
    plans = {p["tier"]: p for p in await repo.plans()}
    plan = plans[row["tier"]]
    return SubscriptionOut(
        tier=row["tier"],  # type: ignore[arg-type]
        plan_name=plan["name"],
        status=row["status"],
        period_start=iso(row["period_start"]),
        period_end=iso(row["period_end"]),
        grace_until=iso(row["grace_until"]) if row["grace_until"] is not None else None,
        usage=[
            MeterUsage(
                meter=meter.value,
                label=columns.label,
                used=row[columns.used],  # type: ignore[literal-required]
                limit=plan[columns.limit],  # type: ignore[literal-required]
                per=columns.per,
            )
            for meter, columns in METERS.items()
        ],
    )


async def reset_periods(ports: Ports, now: float) -> list[str]:
    """Every row whose period has ended starts its next one at zero; the owners."""
    repo = PlansRepo(ports.db)
    owners: list[str] = []
    for _ in range(MAX_CHUNKS):
        due = await repo.due_periods(now, CHUNK)
        if not due:
            break
        statements = []
        for row in due:
            start, end = period_after(row["period_start"], row["period_end"], now)
            statements.append(
                repo.reset_period_statement(row["id"], row["period_end"], start, end, now)
            )
            owners.append(row["owner_id"])
        await ports.db.batch(statements)
        if len(due) < CHUNK:
            break
    # API calls count per UTC day; the snapshots are not republished for these
    # (a stale count only makes a refusal read the database first).
    await repo.reset_days(now)
    return owners


async def end_grace_periods(ports: Ports, now: float) -> list[str]:
    repo = PlansRepo(ports.db)
    lapsed = await repo.lapsed_grace(now, CHUNK * MAX_CHUNKS)
    if lapsed:
        await ports.db.batch([repo.downgrade_statement(r["id"], now) for r in lapsed])
    return [r["owner_id"] for r in lapsed]


async def billing_period_resets(ctx: JobContext) -> None:
    """The daily job: resets and downgrades, each owner's snapshot republished."""
    now = ctx.scheduled_time
    owners = await reset_periods(ctx.ports, now) + await end_grace_periods(ctx.ports, now)
    for owner in dict.fromkeys(owners):
        await refresh(ctx.ports, owner)
