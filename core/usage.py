"""Plan limits, for whichever feature does work a plan counts (a post, an AI draft,
stored bytes, API calls).

The features that do such work (content, assets) do not import the feature that
keeps the plans: they ask the app's ``UsageGate`` here, and plans provides it
(``Feature.provides``). An app built without one admits everything.

The contract, for a caller that writes what it counts::

    admission = await admit(request, user_id, Meter.POSTS)   # 402 before any work
    try:
        await db.batch([*admission.statements, *my_statements])
    except IntegrityError:
        await admission.recheck()   # 402 if a concurrent request took the last unit
        raise

``statements`` count the work in the same batch as the work, so a failed write
never counts and a counted write never fails to count; they also fail the batch
(a constraint) when a concurrent request got there first, which ``recheck`` then
names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from fastapi import Request

from core.feature import provided
from core.ports import Statement


class Meter(StrEnum):
    POSTS = "posts"  # a month
    AI_GENERATIONS = "ai_generations"  # a month
    STORAGE_BYTES = "storage_bytes"  # held, not a period count: may go down
    API_CALLS = "api_calls"  # a day


async def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Admission:
    """The gate's yes: what to run first in the work's own batch, and what to call
    if that batch fails on a constraint (raises ``PaymentRequired`` when the limit
    is why; returns otherwise, and the caller re-raises its own error)."""

    statements: tuple[Statement, ...] = ()
    recheck: Callable[[], Awaitable[None]] = field(default=_nothing)


ADMIT_ALL = Admission()


@runtime_checkable
class UsageGate(Protocol):
    async def admit(
        self, request: Request, user_id: str, meter: Meter, amount: int = 1
    ) -> Admission:
        """Refuse with ``PaymentRequired`` if ``amount`` more of ``meter`` is over the
        user's plan; otherwise the statements that count it. ``amount`` may be
        negative for a meter that goes down (storage freed): never refused."""
        ...


async def admit(request: Request, user_id: str, meter: Meter, amount: int = 1) -> Admission:
    """Ask the app's gate, if it has one; without one everything is admitted."""
    gate = _gate(request)
    if gate is None:
        return ADMIT_ALL
    return await gate.admit(request, user_id, meter, amount)


def _gate(request: Request) -> UsageGate | None:
    # Looked up once per app, like the event recorder. The last feature that
    # provides one wins: a gate listed after the product's features (a test's
    # stand-in) replaces the plans feature's.
    state = request.app.state
    try:
        found: UsageGate | None = state.usage_gate
    except AttributeError:
        found = provided(tuple(reversed(state.features)), UsageGate)  # type: ignore[type-abstract]
        state.usage_gate = found
    return found
