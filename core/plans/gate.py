"""The usage gate plans provides to the kernel (``core.usage.UsageGate``):
402 before any work when the snapshot (and then the database) says the plan's
limit is reached; otherwise the counting statement for the work's own batch."""

from __future__ import annotations

from fastapi import Request

from core.errors import PaymentRequired
from core.http.context import request_context
from core.plans.repo import METERS, PlanRow, PlansRepo, count_statement
from core.plans.snapshot import Snapshot, cache_of
from core.ports import Ports
from core.usage import Admission, Meter


def _amount_text(meter: Meter, value: int) -> str:
    if meter is Meter.STORAGE_BYTES:
        return f"{value / 1_048_576:,.0f} MB"
    return f"{value:,}"


def refusal(meter: Meter, snapshot: Snapshot, plans: list[PlanRow], amount: int) -> PaymentRequired:
    """The 402: the limit, the plan, and the plan that lifts it."""
    columns = METERS[meter]
    limit = snapshot.limits.get(meter.value)
    used = snapshot.used.get(meter.value, 0)
    current_rank = next((p["rank"] for p in plans if p["tier"] == snapshot.tier), 0)
    lifting = next(
        (
            p
            for p in plans
            if p["rank"] > current_rank
            and (p[columns.limit] is None or p[columns.limit] >= used + amount)  # type: ignore[literal-required]
        ),
        None,
    )
    allowance = _amount_text(meter, limit or 0)
    if meter is Meter.STORAGE_BYTES:
        message = (
            f"Your {snapshot.plan_name} plan holds {allowance} of storage; this would pass it."
        )
    else:
        message = (
            f"Your {snapshot.plan_name} plan allows {allowance} {columns.label}; they are used up."
        )
    if lifting is not None:
        lifted = lifting[columns.limit]  # type: ignore[literal-required]
        more = "no limit" if lifted is None else _amount_text(meter, lifted)
        verb = "holds" if meter is Meter.STORAGE_BYTES else "allows"
        message += f" {lifting['name']} {verb} {more}."
    return PaymentRequired(
        message,
        details={
            "meter": meter.value,
            "limit": limit,
            "used": used,
            "per": columns.per,
            "plan": snapshot.tier,
            "upgrade_to": None if lifting is None else lifting["tier"],
        },
    )


class PlanGate:
    """``UsageGate`` over the plans and the subscription counters."""

    async def admit(
        self, request: Request, user_id: str, meter: Meter, amount: int = 1
    ) -> Admission:
        ports = request_context(request.scope).ports
        cache = cache_of(request.app.state)
        if amount > 0:
            snapshot = await cache.get(ports, user_id)
            if snapshot.over(meter, amount):
                # Confirmed by the database before refusing: the copy may be stale.
                snapshot = await cache.reload(ports, user_id)
                if snapshot.over(meter, amount):
                    raise refusal(meter, snapshot, await PlansRepo(ports.db).plans(), amount)
            # Counted here at once (a hint: the batch decides), so this isolate's
            # next request sees it without a read.
            snapshot.used[meter.value] = snapshot.used.get(meter.value, 0) + amount
        statement = count_statement(user_id, meter, amount, ports.clock.now())

        async def recheck() -> None:
            await _recheck(ports, request, user_id, meter, amount)

        return Admission(statements=(statement,), recheck=recheck)


async def _recheck(ports: Ports, request: Request, user_id: str, meter: Meter, amount: int) -> None:
    """After the work's batch failed on a constraint: 402 if the limit is why."""
    if amount <= 0:
        return
    snapshot = await cache_of(request.app.state).reload(ports, user_id)
    if snapshot.over(meter, amount):
        raise refusal(meter, snapshot, await PlansRepo(ports.db).plans(), amount)


GATE = PlanGate()
