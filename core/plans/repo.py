"""The plans feature's SQL: the tiers, the subscriptions with their counters,
and the payment events received."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal, TypedDict

from core.clock import iso
from core.data.owned import OwnedTable
from core.plans.periods import add_month, day_start
from core.ports import Database, Statement, stmt
from core.usage import Meter

SUBSCRIPTIONS = OwnedTable("subscriptions", "subscription")
# The daily reset of API-call counters: rows a statement, and statements a run (half
# a million rows, inside D1's 1,000 queries an invocation).
DAY_RESET_CHUNK = 1000
DAY_RESET_MAX_CHUNKS = 500

Per = Literal["month", "day", "held"]


@dataclass(frozen=True, slots=True)
class MeterColumns:
    used: str  # subscriptions' counter
    limit: str  # plans' limit
    per: Per
    label: str


# Fixed names: the only strings ever put into SQL text here.
METERS: dict[Meter, MeterColumns] = {
    Meter.POSTS: MeterColumns("posts_used", "posts_month", "month", "posts a month"),
    Meter.AI_GENERATIONS: MeterColumns(
        "ai_generations_used", "ai_generations_month", "month", "AI generations a month"
    ),
    Meter.STORAGE_BYTES: MeterColumns(
        "storage_bytes_used", "storage_bytes", "held", "bytes of storage"
    ),
    Meter.API_CALLS: MeterColumns("api_calls_used", "api_calls_day", "day", "API calls a day"),
}


class PlanRow(TypedDict):
    tier: str
    name: str
    rank: int
    posts_month: int | None
    ai_generations_month: int | None
    storage_bytes: int | None
    api_calls_day: int | None
    updated_at: str


class SubscriptionRow(TypedDict):
    id: str
    owner_id: str
    tier: str
    status: str
    period_start: float
    period_end: float
    day_start: float
    posts_used: int
    ai_generations_used: int
    storage_bytes_used: int
    api_calls_used: int
    provider_customer_id: str | None
    provider_subscription_id: str | None
    provider_event_at: float | None
    grace_until: float | None
    created_at: str
    updated_at: str


def _count_sql(m: MeterColumns) -> str:
    used, limit = m.used, m.limit
    # The free plan's limit for a first row; the row's own plan's after that.
    return (
        f"INSERT INTO subscriptions (id, owner_id, period_start, period_end, day_start, {used},"  # noqa: S608 (fixed names)
        " created_at, updated_at)"
        f" SELECT ?, ?, ?, ?, ?, CASE WHEN ? <= 0 THEN 0 WHEN ? <= COALESCE(p.{limit}, ?) THEN ?"
        " ELSE NULL END, ?, ?"
        " FROM plans p WHERE p.tier = 'free'"
        f" ON CONFLICT (owner_id) DO UPDATE SET {used} = CASE"
        f" WHEN ? <= 0 THEN MAX(subscriptions.{used} + ?, 0)"
        f" WHEN subscriptions.{used} + ? <= COALESCE("
        f"(SELECT q.{limit} FROM plans q WHERE q.tier = subscriptions.tier),"
        f" subscriptions.{used} + ?) THEN subscriptions.{used} + ?"
        " ELSE NULL END, updated_at = excluded.updated_at"
    )


_COUNT_SQL = {meter: _count_sql(columns) for meter, columns in METERS.items()}


@functools.lru_cache(maxsize=4)
def _stamp(second: int) -> str:
    return iso(second)


@functools.lru_cache(maxsize=4)
def _month_from(day: float) -> float:
    """Seconds from ``day`` (a midnight) to the same time a month on."""
    return add_month(day) - day


def count_statement(owner_id: str, meter: Meter, amount: int, now: float) -> Statement:
    """Add ``amount`` to the owner's counter in the work's own batch.

    The limit is read in the same statement from the plan the row holds at that
    moment, so a concurrent request that took the last unit makes this one set
    the counter to NULL, which NOT NULL refuses: the whole batch fails. A user
    with no row yet gets one on the free plan (its id is the owner's: one row a
    user). A negative amount (storage freed) is never refused and never goes
    below zero. Built from cached parts: it is on every counted request's path."""
    stamp = _stamp(int(now))
    day = day_start(now)
    return Statement(
        _COUNT_SQL[meter],
        (
            owner_id,
            owner_id,
            now,
            now + _month_from(day),
            day,
            amount,
            amount,
            amount,
            amount,
            stamp,
            stamp,
            amount,
            amount,
            amount,
            amount,
            amount,
        ),
    )


_SNAPSHOT_COLUMNS = (
    "s.tier, s.status, s.period_start, s.period_end, s.day_start, s.grace_until,"
    " s.posts_used, s.ai_generations_used, s.storage_bytes_used, s.api_calls_used,"
    " p.name AS plan_name, p.posts_month, p.ai_generations_month, p.storage_bytes,"
    " p.api_calls_day"
)


class PlansRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def plans(self) -> list[PlanRow]:
        rows = await self.db.all("SELECT * FROM plans ORDER BY rank")
        return [PlanRow(**row) for row in rows]  # type: ignore[typeddict-item]

    async def snapshot_row(self, owner_id: str) -> dict[str, object] | None:
        """The owner's plan, limits and counters in one read (None: no row yet)."""
        return await self.db.first(
            f"SELECT {_SNAPSHOT_COLUMNS} FROM subscriptions s JOIN plans p ON p.tier = s.tier"  # noqa: S608
            " WHERE s.owner_id = ?",
            owner_id,
        )

    async def ensure(self, owner_id: str, now: float) -> None:
        """A free row for an owner who has none yet."""
        await self.db.run(
            "INSERT INTO subscriptions (id, owner_id, period_start, period_end, day_start,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (owner_id) DO NOTHING",
            owner_id,
            owner_id,
            now,
            add_month(now),
            day_start(now),
            iso(now),
            iso(now),
        )

    async def get(self, owner_id: str) -> SubscriptionRow | None:
        row = await self.db.first("SELECT * FROM subscriptions WHERE owner_id = ?", owner_id)
        return None if row is None else SubscriptionRow(**row)  # type: ignore[typeddict-item]

    async def by_provider(
        self, subscription_id: str | None, customer_id: str | None
    ) -> SubscriptionRow | None:
        row = await self.db.first(
            "SELECT * FROM subscriptions WHERE provider_subscription_id = ?"
            " OR provider_customer_id = ? ORDER BY provider_subscription_id = ? DESC LIMIT 1",
            subscription_id,
            customer_id,
            subscription_id,
        )
        return None if row is None else SubscriptionRow(**row)  # type: ignore[typeddict-item]

    async def due_periods(self, now: float, limit: int) -> list[SubscriptionRow]:
        rows = await self.db.all(
            "SELECT * FROM subscriptions WHERE period_end <= ? ORDER BY period_end LIMIT ?",
            now,
            limit,
        )
        return [SubscriptionRow(**r) for r in rows]  # type: ignore[typeddict-item]

    def reset_period_statement(
        self, row_id: str, old_end: float, start: float, end: float, now: float
    ) -> Statement:
        """The monthly counters back to zero for the new period (only if no one
        else moved the period meanwhile)."""
        return stmt(
            "UPDATE subscriptions SET period_start = ?, period_end = ?, posts_used = 0,"
            " ai_generations_used = 0, updated_at = ? WHERE id = ? AND period_end = ?",
            start,
            end,
            iso(now),
            row_id,
            old_end,
        )

    async def reset_days(self, now: float) -> list[str]:
        """API-call counters of rows whose day is over back to zero, ``DAY_RESET_CHUNK``
        rows a statement (every user has a row: one UPDATE of them all would hold the
        write lock that long); their owners."""
        owners: list[str] = []
        for _ in range(DAY_RESET_MAX_CHUNKS):
            result = await self.db.run(
                "UPDATE subscriptions SET api_calls_used = 0, day_start = ?, updated_at = ?"
                " WHERE id IN (SELECT id FROM subscriptions WHERE day_start < ? LIMIT ?)"
                " RETURNING owner_id",
                day_start(now),
                iso(now),
                day_start(now),
                DAY_RESET_CHUNK,
            )
            owners += [r["owner_id"] for r in result.rows]
            if len(result.rows) < DAY_RESET_CHUNK:
                break
        return owners

    async def lapsed_grace(self, now: float, limit: int) -> list[SubscriptionRow]:
        rows = await self.db.all(
            "SELECT * FROM subscriptions WHERE grace_until IS NOT NULL AND grace_until <= ?"
            " ORDER BY grace_until LIMIT ?",
            now,
            limit,
        )
        return [SubscriptionRow(**r) for r in rows]  # type: ignore[typeddict-item]

    def downgrade_statement(self, row_id: str, now: float) -> Statement:
        return stmt(
            "UPDATE subscriptions SET tier = 'free', status = 'canceled', grace_until = NULL,"
            " updated_at = ? WHERE id = ? AND grace_until IS NOT NULL AND grace_until <= ?",
            iso(now),
            row_id,
            now,
        )
