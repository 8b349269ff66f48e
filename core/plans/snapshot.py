"""A user's plan, limits and usage as the request path sees them, with no
database round trip: the isolate's copy, else KV, else (once) the database.

How it stays correct: it is only ever a hint. The limit itself is enforced by
the counting statement in the work's own batch (``repo.count_statement``), which
reads the plan and the counter inside the transaction. So a stale snapshot that
counts too little admits a request the batch then refuses (402 from
``recheck``), and one that counts too much (a reset, an upgrade elsewhere, a
batch that failed for another reason) never refuses by itself: every refusal is
confirmed by one read of the database first. Admitted requests, the common
case, cost no database statement beyond the counter in their own batch."""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from core.plans.repo import METERS
from core.ports import Database, KeyValue, Ports
from core.usage import Meter

log = logging.getLogger("creator_edge.plans")

# How long the isolate trusts its copy before reading KV again.
ISOLATE_TTL = 30.0
KV_TTL = 86_400
MAX_ENTRIES = 10_000
FREE = "free"


def kv_key(user_id: str) -> str:
    return f"plan:{user_id}"


@dataclass(slots=True)
class Snapshot:
    tier: str
    plan_name: str
    limits: dict[str, int | None]
    used: dict[str, int]
    period_end: float | None = None
    fetched: float = 0.0  # when this isolate took it (its clock)
    source: str = "db"

    def over(self, meter: Meter, amount: int) -> bool:
        limit = self.limits.get(meter.value)
        return amount > 0 and limit is not None and self.used.get(meter.value, 0) + amount > limit

    def to_json(self) -> str:
        return json.dumps(
            {
                "t": self.tier,
                "n": self.plan_name,
                "l": self.limits,
                "u": self.used,
                "e": self.period_end,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str, fetched: float) -> Snapshot:
        data: dict[str, Any] = json.loads(raw)
        return cls(
            data["t"], data["n"], dict(data["l"]), dict(data["u"]), data.get("e"), fetched, "kv"
        )


_LOAD = (
    "SELECT p.tier, p.name, p.posts_month, p.ai_generations_month, p.storage_bytes,"
    " p.api_calls_day, s.period_end, s.posts_used, s.ai_generations_used,"
    " s.storage_bytes_used, s.api_calls_used FROM plans p"
    " LEFT JOIN subscriptions s ON s.owner_id = ? AND s.tier = p.tier"
    " WHERE p.tier = COALESCE((SELECT tier FROM subscriptions WHERE owner_id = ?), 'free')"
)


async def load(db: Database, user_id: str, now: float) -> Snapshot:
    """The database's answer, in one statement (a user with no row is on free)."""
    row = await db.first(_LOAD, user_id, user_id)
    if row is None:  # the plans table lost its free row: nothing to enforce
        return Snapshot(FREE, "Free", {}, {}, None, now)
    limits = {m.value: row[c.limit] for m, c in METERS.items()}
    used = {m.value: int(row[c.used] or 0) for m, c in METERS.items()}
    return Snapshot(row["tier"], row["name"], limits, used, row["period_end"], now)


async def publish(kv: KeyValue, user_id: str, snapshot: Snapshot) -> None:
    """Write the snapshot where other isolates read it; KV trouble only costs a hint."""
    try:
        await kv.put(kv_key(user_id), snapshot.to_json(), ttl=KV_TTL)
    except Exception:
        log.warning("could not publish the plan snapshot of a user")


@dataclass
class SnapshotCache:
    """The isolate's copies, by user id (bounded)."""

    entries: MutableMapping[str, Snapshot] = field(default_factory=dict)

    async def get(self, ports: Ports, user_id: str) -> Snapshot:
        now = ports.clock.now()
        found = self.entries.get(user_id)
        if found is not None and now - found.fetched < ISOLATE_TTL:
            return found
        raw: str | None = None
        try:
            raw = await ports.kv.get(kv_key(user_id))
        except Exception:
            raw = None
        snapshot = _parsed(raw, now)
        if snapshot is None:
            snapshot = await load(ports.db, user_id, now)
            await publish(ports.kv, user_id, snapshot)
        self._keep(user_id, snapshot)
        return snapshot

    async def reload(self, ports: Ports, user_id: str) -> Snapshot:
        """The database's answer, kept here and published to KV."""
        snapshot = await load(ports.db, user_id, ports.clock.now())
        self._keep(user_id, snapshot)
        await publish(ports.kv, user_id, snapshot)
        return snapshot

    def forget(self, user_id: str) -> None:
        self.entries.pop(user_id, None)

    def _keep(self, user_id: str, snapshot: Snapshot) -> None:
        self.entries.pop(user_id, None)
        if len(self.entries) >= MAX_ENTRIES:
            self.entries.pop(next(iter(self.entries)))
        self.entries[user_id] = snapshot


def _parsed(raw: str | None, now: float) -> Snapshot | None:
    if raw is None:
        return None
    try:
        return Snapshot.from_json(raw, now)
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("a plan snapshot in KV did not parse; reading the database")
        return None


def cache_of(state: Any) -> SnapshotCache:
    """The app's cache (one per app: one per isolate at the edge)."""
    cache: SnapshotCache | None = getattr(state, "plans_snapshots", None)
    if cache is None:
        cache = SnapshotCache()
        state.plans_snapshots = cache
    return cache


async def refresh(ports: Ports, user_id: str, state: Any = None) -> None:
    """After plans changed a user's row: the database's answer to KV (and to this
    app's cache, when there is one: a cron run has none)."""
    if state is not None:
        await cache_of(state).reload(ports, user_id)
    else:
        await publish(ports.kv, user_id, await load(ports.db, user_id, ports.clock.now()))
