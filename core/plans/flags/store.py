"""Flags in D1, published to KV as one document, and the isolate's copy of it.

The request path reads the isolate's copy (``FlagCache``), refreshed from KV at
most every ``ISOLATE_TTL`` seconds: no database statement. An admin's change is
written to D1, then the whole set is read back and published to KV and to this
isolate's copy at once, so the next request of the same process sees it; other
isolates see it within ``ISOLATE_TTL`` plus KV's own propagation (up to 60 s)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, TypedDict

from core.plans.flags.evaluate import Flag
from core.ports import Database, KeyValue, Ports, Statement, stmt

log = logging.getLogger("creator_edge.plans")

KV_KEY = "flags:v1"
ISOLATE_TTL = 5.0


class FlagRow(TypedDict):
    key: str
    description: str
    default_on: int
    plan_values: str
    user_overrides: str
    rollout_percent: float | None
    version: int
    created_at: str
    updated_at: str


def flag_of(row: FlagRow) -> Flag:
    return Flag(
        row["key"],
        bool(row["default_on"]),
        json.loads(row["plan_values"]),
        json.loads(row["user_overrides"]),
        row["rollout_percent"],
    )


class FlagRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def all(self) -> list[FlagRow]:
        rows = await self.db.all("SELECT * FROM feature_flags ORDER BY key")
        return [FlagRow(**r) for r in rows]  # type: ignore[typeddict-item]

    async def get(self, key: str) -> FlagRow | None:
        row = await self.db.first("SELECT * FROM feature_flags WHERE key = ?", key)
        return None if row is None else FlagRow(**row)  # type: ignore[typeddict-item]

    def upsert_statement(self, flag: Flag, description: str, now: str) -> Statement:
        return stmt(
            "INSERT INTO feature_flags (key, description, default_on, plan_values,"
            " user_overrides, rollout_percent, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
            " description = excluded.description, default_on = excluded.default_on,"
            " plan_values = excluded.plan_values, user_overrides = excluded.user_overrides,"
            " rollout_percent = excluded.rollout_percent, version = feature_flags.version + 1,"
            " updated_at = excluded.updated_at",
            flag.key,
            description,
            int(flag.default_on),
            json.dumps(flag.plan_values, sort_keys=True),
            json.dumps(flag.user_overrides, sort_keys=True),
            flag.rollout_percent,
            now,
            now,
        )

    def delete_statement(self, key: str) -> Statement:
        return stmt("DELETE FROM feature_flags WHERE key = ?", key)

    def forget_user_statement(self, user_id: str) -> Statement:
        path = f'$."{user_id}"'
        return stmt(
            "UPDATE feature_flags SET user_overrides = json_remove(user_overrides, ?),"
            " version = version + 1 WHERE json_extract(user_overrides, ?) IS NOT NULL",
            path,
            path,
        )


def document(rows: list[FlagRow]) -> str:
    return json.dumps({r["key"]: flag_of(r).to_doc() for r in rows}, separators=(",", ":"))


def parse_document(raw: str) -> dict[str, Flag]:
    data: dict[str, Any] = json.loads(raw)
    return {key: Flag.from_doc(key, doc) for key, doc in data.items()}


@dataclass
class FlagCache:
    flags: dict[str, Flag] = field(default_factory=dict)
    fetched: float | None = None

    async def current(self, ports: Ports) -> dict[str, Flag]:
        now = ports.clock.now()
        if self.fetched is not None and now - self.fetched < ISOLATE_TTL:
            return self.flags
        try:
            raw = await ports.kv.get(KV_KEY)
        except Exception:
            log.warning("could not read the feature flags from KV; using the last copy")
            self.fetched = now
            return self.flags
        try:
            self.flags = parse_document(raw) if raw else {}
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("the flags document in KV did not parse; keeping the last copy")
        self.fetched = now
        return self.flags

    def replace(self, flags: dict[str, Flag], now: float) -> None:
        self.flags, self.fetched = flags, now


def flag_cache(state: Any) -> FlagCache:
    cache: FlagCache | None = getattr(state, "plans_flags", None)
    if cache is None:
        cache = FlagCache()
        state.plans_flags = cache
    return cache


async def publish(ports: Ports, cache: FlagCache | None = None) -> dict[str, Flag]:
    """Read every flag from D1 and publish the set to KV (and this isolate's copy)."""
    rows = await FlagRepo(ports.db).all()
    raw = document(rows)
    await put_document(ports.kv, raw)
    flags = parse_document(raw)
    if cache is not None:
        cache.replace(flags, ports.clock.now())
    return flags


async def put_document(kv: KeyValue, raw: str) -> None:
    await kv.put(KV_KEY, raw)
