"""The SQL of analytics: bulk inserts, folds, range reads and purges. D1-safe:
bulk rows go in as one JSON parameter through ``json_each``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from core.analytics.models import DIMENSION_COLUMNS, EVENT_TYPES
from core.data.owned import owned_table
from core.ports import Database, Param, Row, Statement, stmt

owned_table("analytics_events", "analytics event", erase_order=10)
owned_table("analytics_rollups", "analytics rollup", erase_order=10, export=False)

# The columns an event row carries, in the order of the JSON arrays inserted.
COLUMNS = (
    "ts",
    "type",
    "owner_id",
    "profile_id",
    "link_id",
    "content_id",
    "visitor",
    "country",
    "region",
    "city",
    "device",
    "browser",
    "os",
    "timezone",
    "tz_offset",
    "referrer_host",
    "referrer_url",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "load_ms",
    "response_bytes",
    "x",
    "y",
    "selector",
    "path",
    "properties",
)
EventRow = tuple[Any, ...]  # values in COLUMNS order; properties as JSON text or None

INSERT_SQL = (
    f"INSERT INTO analytics_events ({', '.join(COLUMNS)}) SELECT "  # noqa: S608 (constants)
    + ", ".join(f"value ->> {i}" for i in range(len(COLUMNS)))
    + " FROM json_each(?)"
)
# Rows per INSERT: D1 takes a bound value up to 1 MB; 500 rows stay far below it.
INSERT_CHUNK = 500


def insert_statements(rows: Sequence[EventRow]) -> list[Statement]:
    """INSERTs of ``rows``, at most ``INSERT_CHUNK`` a statement, one JSON parameter each."""
    return [
        stmt(INSERT_SQL, json.dumps(rows[i : i + INSERT_CHUNK], separators=(",", ":")))
        for i in range(0, len(rows), INSERT_CHUNK)
    ]


async def insert_events(db: Database, rows: Sequence[EventRow]) -> None:
    if not rows:
        return
    statements = insert_statements(rows)
    if len(statements) == 1:
        await db.run(statements[0].sql, *statements[0].params)
    else:
        await db.batch(statements)


async def public_profile_owners(db: Database, ids: Sequence[str]) -> dict[str, str]:
    """Owner of each public profile among ``ids`` (unknown and private ones left out).

    Reads the profiles feature's table (id, owner_id, is_public): the one
    place analytics does; a profiles service call can replace it.
    """
    if not ids:
        return {}
    rows = await db.all(
        "SELECT id, owner_id FROM profiles WHERE is_public = 1"
        " AND id IN (SELECT value FROM json_each(?))",
        json.dumps(sorted(set(ids))),
    )
    return {row["id"]: row["owner_id"] for row in rows}


async def seen_since(db: Database, pairs: Sequence[tuple[str, str]], since_ms: int) -> set[str]:
    """Which of (profile id, visitor hash) ``pairs`` have an event since ``since_ms``."""
    if not pairs:
        return set()
    rows = await db.all(
        "SELECT DISTINCT e.visitor FROM json_each(?) AS p"
        " JOIN analytics_events AS e ON e.profile_id = p.value ->> 0"
        " AND e.visitor = p.value ->> 1 AND e.ts >= ?",
        json.dumps(sorted(set(pairs))),
        since_ms,
    )
    return {row["visitor"] for row in rows}


# ------------------------------------------------------------------ folding

HOUR = 3600
DAY = 86400
GRAINS = {"hour": HOUR, "day": DAY}

_DIM_LIST = ", ".join(f"'{dim}'" for dim in DIMENSION_COLUMNS)
_DIM_CASE = (
    "CASE d.dim WHEN 'total' THEN ''"
    + "".join(
        f" WHEN '{dim}' THEN coalesce(e.{column}, '')" for dim, column in DIMENSION_COLUMNS.items()
    )
    + " END"
)


def _fold_sql(grain: str) -> tuple[str, str]:
    width_ms = GRAINS[grain] * 1000
    bucket = f"(e.ts / {width_ms}) * {GRAINS[grain]}"
    by_type = (
        "INSERT INTO analytics_rollups"  # noqa: S608 (constants only)
        " (owner_id, profile_id, grain, bucket, type, dim, value, events, uniques)"
        f" SELECT max(e.owner_id), e.profile_id, '{grain}', {bucket} AS b, e.type, d.dim,"
        f" {_DIM_CASE} AS v, count(*), count(DISTINCT e.visitor)"
        # CROSS JOIN keeps the events the outer loop: one range scan, not one per dimension.
        f" FROM analytics_events AS e CROSS JOIN {_DIMS_TABLE} AS d"
        " WHERE e.ts >= ? AND e.ts < ? AND e.profile_id IS NOT NULL"
        " AND NOT (d.dim = 'link' AND e.link_id IS NULL)"
        " GROUP BY e.profile_id, b, e.type, d.dim, v"
    )
    visitors = (
        "INSERT INTO analytics_rollups"  # noqa: S608 (constants only)
        " (owner_id, profile_id, grain, bucket, type, dim, value, events, uniques)"
        f" SELECT max(e.owner_id), e.profile_id, '{grain}', {bucket} AS b, '*', 'total', '',"
        " count(*), count(DISTINCT e.visitor)"
        " FROM analytics_events AS e"
        " WHERE e.ts >= ? AND e.ts < ? AND e.profile_id IS NOT NULL"
        " GROUP BY e.profile_id, b"
    )
    return by_type, visitors


def _values() -> str:
    return ", ".join(f"('{dim}')" for dim in ("total", *DIMENSION_COLUMNS))


_DIMS_TABLE = f"(SELECT column1 AS dim FROM (VALUES {_values()}))"  # noqa: S608
_FOLDS = {grain: _fold_sql(grain) for grain in GRAINS}


def fold_statements(grain: str, start: int, end: int) -> list[Statement]:
    """Rebuild the ``grain`` rollups of buckets in [start, end) (epoch seconds, aligned)
    from the raw rows: delete them, then insert them again. Idempotent."""
    by_type, visitors = _FOLDS[grain]
    return [
        stmt(
            "DELETE FROM analytics_rollups WHERE grain = ? AND bucket >= ? AND bucket < ?",
            grain,
            start,
            end,
        ),
        stmt(by_type, start * 1000, end * 1000),
        stmt(visitors, start * 1000, end * 1000),
    ]


async def folded_to(db: Database) -> int | None:
    row = await db.first("SELECT folded_to FROM analytics_fold_state WHERE name = 'hourly'")
    return None if row is None else int(row["folded_to"])


def set_folded_to_statement(hour: int) -> Statement:
    return stmt(
        "INSERT INTO analytics_fold_state (name, folded_to) VALUES ('hourly', ?)"
        " ON CONFLICT (name) DO UPDATE SET folded_to = max(folded_to, excluded.folded_to)",
        hour,
    )


# ------------------------------------------------------------------- reading


_ALL_TYPES = ", ".join(f"'{t}'" for t in ("*", *EVENT_TYPES))
_TOP_DIMS = ", ".join(f"'{dim}'" for dim in DIMENSION_COLUMNS if dim != "link")


async def rollup_series(
    db: Database, profile_id: str, grain: str, start: int, end: int
) -> list[Row]:
    """Per bucket and type: events and uniques of the 'total' rows in [start, end)."""
    if start >= end:
        return []
    # type IN (...) lets SQLite seek each type's bucket range in the unique index.
    return await db.all(
        "SELECT bucket, type, events, uniques FROM analytics_rollups"  # noqa: S608 (constants)
        f" WHERE profile_id = ? AND grain = ? AND dim = 'total' AND type IN ({_ALL_TYPES})"
        " AND bucket >= ? AND bucket < ?",
        profile_id,
        grain,
        start,
        end,
    )


async def rollup_dimensions(
    db: Database, profile_id: str, grain: str, start: int, end: int, top_type: str
) -> list[Row]:
    """Summed events and uniques over [start, end) per value of each dimension of
    ``top_type`` events, and per link of link clicks."""
    if start >= end:
        return []
    return await db.all(
        "SELECT type, dim, value, sum(events) AS events, sum(uniques) AS uniques"  # noqa: S608
        f" FROM analytics_rollups WHERE profile_id = ? AND grain = ? AND dim IN ({_TOP_DIMS})"
        " AND type = ? AND bucket >= ? AND bucket < ? GROUP BY dim, value"
        " UNION ALL "
        "SELECT type, dim, value, sum(events), sum(uniques) FROM analytics_rollups"
        " WHERE profile_id = ? AND grain = ? AND dim = 'link' AND type = 'link_click'"
        " AND bucket >= ? AND bucket < ? GROUP BY value",
        profile_id,
        grain,
        top_type,
        start,
        end,
        profile_id,
        grain,
        start,
        end,
    )


async def raw_series(db: Database, profile_id: str, grain: str, start: int, end: int) -> list[Row]:
    """What ``rollup_series`` gives, straight from raw rows (the open hour)."""
    if start >= end:
        return []
    width = GRAINS[grain]
    return await db.all(
        f"SELECT (ts / {width * 1000}) * {width} AS bucket, type, count(*) AS events,"  # noqa: S608
        " count(DISTINCT visitor) AS uniques FROM analytics_events"
        " WHERE profile_id = ? AND ts >= ? AND ts < ? GROUP BY bucket, type"
        " UNION ALL "
        f"SELECT (ts / {width * 1000}) * {width} AS bucket, '*', count(*),"
        " count(DISTINCT visitor) FROM analytics_events"
        " WHERE profile_id = ? AND ts >= ? AND ts < ? GROUP BY bucket",
        profile_id,
        start * 1000,
        end * 1000,
        profile_id,
        start * 1000,
        end * 1000,
    )


async def raw_dimensions(
    db: Database, profile_id: str, start: int, end: int, top_type: str
) -> list[Row]:
    """What ``rollup_dimensions`` gives for a range, from raw rows (the open hour)."""
    if start >= end:
        return []
    return await db.all(
        f"SELECT e.type, d.dim, {_DIM_CASE} AS value, count(*) AS events,"  # noqa: S608
        " count(DISTINCT e.visitor) AS uniques"
        f" FROM analytics_events AS e CROSS JOIN {_DIMS_TABLE} AS d"
        " WHERE e.profile_id = ? AND e.ts >= ? AND e.ts < ? AND e.type IN (?, 'link_click')"
        " AND ((d.dim = 'link' AND e.type = 'link_click' AND e.link_id IS NOT NULL)"
        " OR (d.dim NOT IN ('link', 'total') AND e.type = ?))"
        " GROUP BY e.type, d.dim, value",
        profile_id,
        start * 1000,
        end * 1000,
        top_type,
        top_type,
    )


async def raw_day_visitors(db: Database, profile_id: str, start: int, end: int) -> int:
    """Distinct visitors in [start, end), which must lie within one day."""
    row = await db.first(
        "SELECT count(DISTINCT visitor) AS n FROM analytics_events"
        " WHERE profile_id = ? AND ts >= ? AND ts < ?",
        profile_id,
        start * 1000,
        end * 1000,
    )
    return int(row["n"]) if row else 0


async def oldest_raw_ms(db: Database) -> int | None:
    row = await db.first("SELECT min(ts) AS ts FROM analytics_events")
    return None if row is None or row["ts"] is None else int(row["ts"])


async def heatmap_cells(
    db: Database, profile_id: str, path: str | None, start: int, end: int, grid: int
) -> list[Row]:
    where = "" if path is None else " AND path = ?"
    params: list[Param] = [profile_id, start * 1000, end * 1000]
    if path is not None:
        params.append(path)
    return await db.all(
        f"SELECT min(CAST(x * {grid} AS INTEGER), {grid - 1}) AS col,"  # noqa: S608
        f" min(CAST(y * {grid} AS INTEGER), {grid - 1}) AS row, count(*) AS n"
        " FROM analytics_events WHERE profile_id = ? AND ts >= ? AND ts < ?"
        f" AND x IS NOT NULL AND y IS NOT NULL{where} GROUP BY col, row",
        *params,
    )


EXPORT_COLUMNS = ("id", *(c for c in COLUMNS if c != "owner_id"))


async def export_page(
    db: Database, profile_id: str, start_ms: int, end_ms: int, after: tuple[int, int], limit: int
) -> list[Row]:
    """The next ``limit`` raw rows of a profile's range after (ts, id), in that order."""
    return await db.all(
        f"SELECT {', '.join(EXPORT_COLUMNS)} FROM analytics_events"  # noqa: S608
        " WHERE profile_id = ? AND ts >= ? AND ts < ? AND (ts, id) > (?, ?)"
        " ORDER BY ts, id LIMIT ?",
        profile_id,
        start_ms,
        end_ms,
        after[0],
        after[1],
        limit,
    )


# ------------------------------------------------------------------ retention


async def purge_events_chunk(db: Database, before_ms: int, chunk: int) -> int:
    result = await db.run(
        "DELETE FROM analytics_events WHERE id IN"
        " (SELECT id FROM analytics_events WHERE ts < ? LIMIT ?)",
        before_ms,
        chunk,
    )
    return result.changes


async def purge_rollups_chunk(db: Database, before: int, chunk: int) -> int:
    result = await db.run(
        "DELETE FROM analytics_rollups WHERE id IN"
        " (SELECT id FROM analytics_rollups WHERE grain IN ('hour', 'day') AND bucket < ? LIMIT ?)",
        before,
        chunk,
    )
    return result.changes
