"""The SQL of analytics: bulk inserts, folds, range reads and purges. D1-safe:
bulk rows go in as one JSON parameter through ``json_each``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, cast

from core.analytics.models import DIMENSION_COLUMNS, EVENT_TYPES
from core.data.owned import OwnedTable
from core.ports import MAX_BOUND_PARAMETERS, Database, Param, Row, Statement, stmt

EVENTS = OwnedTable("analytics_events", "analytics event", erase_order=10)
ROLLUPS = OwnedTable("analytics_rollups", "analytics rollup", erase_order=10, export=False)

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

# Each row's array is read out of json_each once, into the materialized CTE: read
# straight from json_each, each of the 27 ``value ->> i`` has json_each render the
# row back into JSON text first (the insert took 2-2.5 times as long).
INSERT_SQL = (
    f"INSERT INTO analytics_events ({', '.join(COLUMNS)})"  # noqa: S608 (constants)
    " WITH r AS MATERIALIZED (SELECT value AS v FROM json_each(?)) SELECT "
    + ", ".join(f"v ->> {i}" for i in range(len(COLUMNS)))
    + " FROM r"
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


_ROLLUP_COLUMNS = "owner_id, profile_id, grain, bucket, type, dim, value, events, uniques"
# Computed rows go back in as JSON arrays, a parameter of at most this many bytes
# each (D1 holds a value to 1 MB).
_ROLLUP_JSON_BYTES = 900_000


def _fold_sql(grain: str) -> tuple[str, str]:
    width_ms = GRAINS[grain] * 1000
    bucket = f"(e.ts / {width_ms}) * {GRAINS[grain]}"
    by_type = (
        f"SELECT max(e.owner_id) AS owner_id, e.profile_id, '{grain}' AS grain, {bucket} AS b,"  # noqa: S608 (constants only)
        f" e.type, d.dim, {_DIM_CASE} AS v, count(*) AS events,"
        " count(DISTINCT e.visitor) AS uniques"
        # CROSS JOIN keeps the events the outer loop: one range scan, not one per dimension.
        f" FROM analytics_events AS e CROSS JOIN {_DIMS_TABLE} AS d"
        " WHERE e.ts >= ? AND e.ts < ? AND e.profile_id IS NOT NULL"
        " AND NOT (d.dim = 'link' AND e.link_id IS NULL)"
        " GROUP BY e.profile_id, b, e.type, d.dim, v"
    )
    visitors = (
        f"SELECT max(e.owner_id) AS owner_id, e.profile_id, '{grain}' AS grain, {bucket} AS b,"  # noqa: S608 (constants only)
        " '*' AS type, 'total' AS dim, '' AS v, count(*) AS events,"
        " count(DISTINCT e.visitor) AS uniques"
        " FROM analytics_events AS e"
        " WHERE e.ts >= ? AND e.ts < ? AND e.profile_id IS NOT NULL"
        " GROUP BY e.profile_id, b"
    )
    return by_type, visitors


def _values() -> str:
    return ", ".join(f"('{dim}')" for dim in ("total", *DIMENSION_COLUMNS))


_DIMS_TABLE = f"(SELECT column1 AS dim FROM (VALUES {_values()}))"  # noqa: S608
_FOLDS = {grain: _fold_sql(grain) for grain in GRAINS}
# Each row's array read out of json_each once, as INSERT_SQL does.
_INSERT_ROLLUPS = (
    f"INSERT INTO analytics_rollups ({_ROLLUP_COLUMNS})"  # noqa: S608 (constants only)
    " WITH r AS MATERIALIZED (SELECT value AS v FROM json_each(?))"
    " SELECT " + ", ".join(f"v ->> {i}" for i in range(9)) + " FROM r"
)


async def fold_rows(db: Database, grain: str, start: int, end: int) -> list[list[Any]]:
    """The ``grain`` rollup rows of buckets in [start, end) (epoch seconds, aligned),
    computed from the raw rows by reads alone: nothing is held for writing meanwhile."""
    rows: list[list[Any]] = []
    for sql in _FOLDS[grain]:
        for row in await db.all(sql, start * 1000, end * 1000):
            rows.append(list(row.values()))
    return rows


def replace_rollups_statements(
    grain: str, start: int, end: int, rows: Sequence[Sequence[Any]]
) -> list[Statement]:
    """Statements that swap the ``grain`` rollups of [start, end) for ``rows``, for one
    batch: a reader sees the old buckets or the new ones, never a gap."""
    return [
        stmt(
            "DELETE FROM analytics_rollups WHERE grain = ? AND bucket >= ? AND bucket < ?",
            grain,
            start,
            end,
        ),
        *_insert_rollups_statements(rows),
    ]


def _insert_rollups_statements(rows: Sequence[Sequence[Any]]) -> list[Statement]:
    statements = []
    chunk: list[str] = []
    size = 2
    for row in rows:
        encoded = json.dumps(row, separators=(",", ":"))
        if chunk and size + len(encoded) + 1 > _ROLLUP_JSON_BYTES:
            statements.append(stmt(_INSERT_ROLLUPS, "[" + ",".join(chunk) + "]"))
            chunk, size = [], 2
        chunk.append(encoded)
        size += len(encoded) + 1
    if chunk:
        statements.append(stmt(_INSERT_ROLLUPS, "[" + ",".join(chunk) + "]"))
    return statements


class StoredRollup(TypedDict):
    """The id and key of a stored rollup row (its grain is the read's)."""

    id: int
    profile_id: str
    bucket: int
    dim: str
    type: str
    value: str


async def stored_rollups(db: Database, grain: str, start: int, end: int) -> list[StoredRollup]:
    """The ids and keys of the ``grain`` rollups of [start, end) (a read)."""
    rows = await db.all(
        "SELECT id, profile_id, bucket, dim, type, value FROM analytics_rollups"
        " WHERE grain = ? AND bucket >= ? AND bucket < ?",
        grain,
        start,
        end,
    )
    return cast(list[StoredRollup], rows)


# A rollup row's key within its grain: (profile_id, bucket, dim, type, value).
_Key = tuple[Any, ...]


def _new_key(row: Sequence[Any]) -> _Key:
    return (row[1], row[3], row[5], row[4], row[6])


def _stored_key(row: StoredRollup) -> _Key:
    return (row["profile_id"], row["bucket"], row["dim"], row["type"], row["value"])


@dataclass(slots=True)
class RollupSwap:
    """One write batch of a fold: stored rollup rows to delete (by id), new ones to insert."""

    ids: list[int] = field(default_factory=list)
    rows: list[Sequence[Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids) + len(self.rows)

    def statements(self) -> list[Statement]:
        """The batch's statements: the DELETE by id first, then the INSERTs."""
        out = []
        if self.ids:
            out.append(
                stmt(
                    "DELETE FROM analytics_rollups WHERE id IN (SELECT value FROM json_each(?))",
                    json.dumps(self.ids),
                )
            )
        return out + _insert_rollups_statements(self.rows)


def rollup_swaps(
    rows: Sequence[Sequence[Any]], stored: Sequence[StoredRollup], chunk_rows: int
) -> list[RollupSwap]:
    """Batches that together swap the ``stored`` rollups (one grain's buckets) for
    ``rows``, each deleting and inserting at most ``chunk_rows`` rows (two for a key
    both stored and new when ``chunk_rows`` is 1): one short write transaction each,
    so writes queued meanwhile run between them.

    A profile's bucket is swapped whole in one batch (a reader sees its old rows or
    its new ones, never a gap); only a bucket of more than ``chunk_rows`` rows is cut,
    between keys, so that no key is missing at any moment either. Old rows go by id:
    a primary-key delete reads nothing else, on D1 as locally. The statements are made
    per batch (``RollupSwap.statements``), when it is written.
    """
    limit = max(chunk_rows, 1)
    # Per key: the stored ids and the new rows; grouped per (profile, bucket).
    groups: dict[tuple[Any, Any], dict[_Key, RollupSwap]] = {}
    for old in stored:
        key = _stored_key(old)
        groups.setdefault(key[:2], {}).setdefault(key, RollupSwap()).ids.append(int(old["id"]))
    for row in rows:
        key = _new_key(row)
        groups.setdefault(key[:2], {}).setdefault(key, RollupSwap()).rows.append(row)

    swaps = [RollupSwap()]
    for keys in groups.values():
        if len(swaps[-1]) + sum(len(swap) for swap in keys.values()) > limit:
            swaps.append(RollupSwap())
        for swap in keys.values():
            # Only a bucket larger than a chunk gets here with rows pending: cut it
            # between its keys.
            if len(swaps[-1]) and len(swaps[-1]) + len(swap) > limit:
                swaps.append(RollupSwap())
            swaps[-1].ids += swap.ids
            swaps[-1].rows += swap.rows
    return [swap for swap in swaps if len(swap)]


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
# The open range's rows are held (materialized) once for all its reads when it is
# this short: the fold runs hourly, so it is normally under two hours. Longer (the
# fold behind), each read scans the range itself instead of a copy being held.
HOLD_OPEN_SECONDS = 6 * HOUR


def _member(part: int, bucket: str, type_: str, dim: str, value: str, counts: str) -> str:
    """A SELECT of a summary's compound: every read's rows have the same columns,
    and ``part`` says which read they answer."""
    return (
        f"SELECT {part} AS part, {bucket} AS bucket, {type_} AS type, {dim} AS dim,"
        f" {value} AS value, {counts}"
    )


_SUMS = "sum(events) AS events, sum(uniques) AS uniques"
_COUNTS = "count(*) AS events, count(DISTINCT visitor) AS uniques"


class SummaryReads:
    """The reads of one summary, gathered, then run as one compound SELECT (a few
    when D1's 100 bound parameters do not hold them all): one round trip, not one
    per read. Each read gets a part number; its rows carry it in ``part``.

    The open range (from the fold's watermark on, read from raw rows) is read once
    for everything it answers: its series by day and by hour and its dimensions.
    """

    def __init__(self, profile_id: str, top_type: str) -> None:
        self.profile_id = profile_id
        self.top_type = top_type
        self._parts = 0
        self._members: list[tuple[str, list[Param]]] = []
        self._open: tuple[int, int] | None = None
        self._open_with: tuple[str, list[Param]] | None = None
        self._open_members: list[str] = []
        self._open_days: int | None = None
        self._open_hours: int | None = None
        self._open_dims: int | None = None
        # Parts that are one day of the open range's day series: their day.
        self._days_of_open: dict[int, int] = {}

    def _part(self) -> int:
        self._parts += 1
        return self._parts - 1

    def rollup_series(self, grain: str, start: int, end: int) -> int:
        """Per bucket and type: events and uniques of the 'total' rows in [start, end)."""
        part = self._part()
        if start < end:
            # type IN (...) lets SQLite seek each type's bucket range in the index.
            self._members.append(
                (
                    _member(part, "bucket", "type", "NULL", "NULL", "events, uniques")
                    + " FROM analytics_rollups WHERE profile_id = ? AND grain = ?"
                    f" AND dim = 'total' AND type IN ({_ALL_TYPES}) AND bucket >= ? AND bucket < ?",
                    [self.profile_id, grain, start, end],
                )
            )
        return part

    def rollup_dimensions(self, grain: str, start: int, end: int) -> int:
        """Summed events and uniques over [start, end) per value of each dimension of
        ``top_type`` events, and per link of link clicks."""
        part = self._part()
        if start < end:
            self._members += [
                (
                    _member(part, "NULL", "type", "dim", "value", _SUMS)
                    + f" FROM analytics_rollups WHERE profile_id = ? AND grain = ?"
                    f" AND dim IN ({_TOP_DIMS}) AND type = ? AND bucket >= ? AND bucket < ?"
                    " GROUP BY dim, value",
                    [self.profile_id, grain, self.top_type, start, end],
                ),
                (
                    _member(part, "NULL", "type", "dim", "value", _SUMS)
                    + " FROM analytics_rollups WHERE profile_id = ? AND grain = ?"
                    " AND dim = 'link' AND type = 'link_click' AND bucket >= ? AND bucket < ?"
                    " GROUP BY value",
                    [self.profile_id, grain, start, end],
                ),
            ]
        return part

    def raw_series(self, grain: str, start: int, end: int) -> int:
        """What ``rollup_series`` gives, straight from the raw rows of [start, end); a
        day's part of the open range is that range's day series (``open_range`` first)."""
        if self._open_days is not None and grain == "day" and self._in_open_day(start, end):
            # The open range's day series holds it: this part is that series' one day.
            part = self._part()
            self._days_of_open[part] = start // DAY * DAY
            return part
        part = self._part()
        if start < end:
            width = GRAINS[grain]
            bucket = f"(ts / {width * 1000}) * {width}"
            rows = " FROM analytics_events WHERE profile_id = ? AND ts >= ? AND ts < ?"
            params: list[Param] = [self.profile_id, start * 1000, end * 1000]
            self._members += [
                (
                    _member(part, bucket, "type", "NULL", "NULL", _COUNTS)
                    + rows
                    + " GROUP BY 2, 3",
                    params,
                ),
                (
                    _member(part, bucket, "'*'", "NULL", "NULL", _COUNTS) + rows + " GROUP BY 2",
                    params,
                ),
            ]
        return part

    def open_range(self, start: int, end: int, *, hours: bool, hold: bool) -> None:
        """Read the raw rows of [start, end) once, for their series by day (and by hour
        when ``hours``) and their dimensions: ``open_*`` give the parts. ``hold``
        materializes the rows for the reads (a short range)."""
        self._open = (start, end)
        self._open_dims = self._part()
        if start >= end:
            self._open_days = self._part()
            self._open_hours = self._part()
            return
        columns = ", ".join(dict.fromkeys(DIMENSION_COLUMNS.values()))
        # Held in visitor order: each read's count(DISTINCT visitor) then inserts its
        # visitors in order, the cheap way (a fifth less time over an hour's rows).
        held = "MATERIALIZED" if hold else "NOT MATERIALIZED"
        order = " ORDER BY visitor" if hold else ""
        self._open_with = (
            f"WITH o AS {held}"  # noqa: S608 (constants)
            " (SELECT (ts / 86400000) * 86400 AS day, (ts / 3600000) * 3600 AS hour, type,"
            f" type = ? AS top, visitor, {columns} FROM analytics_events"
            f" WHERE profile_id = ? AND ts >= ? AND ts < ?{order})",
            [self.top_type, self.profile_id, start * 1000, end * 1000],
        )
        dims = self._open_dims
        members = [
            _member(dims, "NULL", "type", "'link'", "link_id", _COUNTS)
            + " FROM o WHERE type = 'link_click' AND link_id IS NOT NULL GROUP BY 5",
            *(
                _member(dims, "NULL", "type", f"'{dim}'", f"coalesce({column}, '')", _COUNTS)
                + " FROM o WHERE top GROUP BY 5"
                for dim, column in DIMENSION_COLUMNS.items()
                if dim != "link"
            ),
        ]
        grains = ["hour"] if hours else []
        # Within one hour, the hour's rows are the day's: the day series is the hour's.
        if not (hours and start // HOUR == (end - 1) // HOUR):
            grains.append("day")
        for grain in grains:
            part = self._part()
            members += [
                _member(part, grain, "type", "NULL", "NULL", _COUNTS) + " FROM o GROUP BY 2, 3",
                _member(part, grain, "'*'", "NULL", "NULL", _COUNTS) + " FROM o GROUP BY 2",
            ]
            if grain == "hour":
                self._open_hours = part
            else:
                self._open_days = part
        if self._open_days is None:
            self._open_days = self._open_hours
        self._open_members = members

    def _in_open_day(self, start: int, end: int) -> bool:
        """Whether [start, end) is the open range's part of one day."""
        if self._open is None:
            return False
        lo, hi = self._open
        day = start // DAY * DAY
        return lo < hi and start == max(lo, day) and end == min(hi, day + DAY)

    @property
    def open_days(self) -> int:
        assert self._open_days is not None, "open_range() first"
        return self._open_days

    @property
    def open_hours(self) -> int:
        assert self._open_hours is not None, "open_range(hours=True) first"
        return self._open_hours

    @property
    def open_dimensions(self) -> int:
        assert self._open_dims is not None, "open_range() first"
        return self._open_dims

    def statements(self) -> list[Statement]:
        """The compound SELECTs, each within D1's bound parameters; the open range's
        reads go with their WITH in the first."""
        out: list[Statement] = []
        head, params = ("", []) if self._open_with is None else self._open_with
        members = list(self._open_members)
        for sql, member_params in self._members:
            if members and len(params) + len(member_params) > MAX_BOUND_PARAMETERS:
                out.append(stmt(f"{head} {' UNION ALL '.join(members)}".strip(), *params))
                head, params, members = "", [], []
            members.append(sql)
            params = [*params, *member_params]
        if members:
            out.append(stmt(f"{head} {' UNION ALL '.join(members)}".strip(), *params))
        return out

    async def run(self, db: Database) -> dict[int, list[Row]]:
        """Every read's rows, by part (a part that read nothing is missing)."""
        found: dict[int, list[Row]] = {}
        for statement in self.statements():
            for row in await db.all(statement.sql, *statement.params):
                found.setdefault(row["part"], []).append(row)
        for part, day in self._days_of_open.items():
            rows = [r for r in found.get(self.open_days, ()) if r["bucket"] // DAY * DAY == day]
            if rows:
                found[part] = rows
        return found


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


class HeatCell(TypedDict):
    """One cell of a click grid: its column and row, and the clicks in it."""

    col: int
    row: int
    n: int


async def heatmap_cells(
    db: Database, profile_id: str, path: str | None, start: int, end: int, grid: int
) -> list[HeatCell]:
    where = "" if path is None else " AND path = ?"
    params: list[Param] = [profile_id, start * 1000, end * 1000]
    if path is not None:
        params.append(path)
    rows = await db.all(
        f"SELECT min(CAST(x * {grid} AS INTEGER), {grid - 1}) AS col,"  # noqa: S608
        f" min(CAST(y * {grid} AS INTEGER), {grid - 1}) AS row, count(*) AS n"
        " FROM analytics_events WHERE profile_id = ? AND ts >= ? AND ts < ?"
        f" AND x IS NOT NULL AND y IS NOT NULL{where} GROUP BY col, row",
        *params,
    )
    return cast(list[HeatCell], rows)


EXPORT_COLUMNS = ("id", *(c for c in COLUMNS if c != "owner_id"))


async def export_page(
    db: Database, profile_id: str, start_ms: int, end_ms: int, after: tuple[int, int], limit: int
) -> list[Row]:
    """The next ``limit`` raw rows of a profile's range after (ts, id), in that order."""
    # The index is sought from the last page's ts (the row value alone does not seek:
    # each page scanned the range from its start, and 1M events took 125-140 s).
    return await db.all(
        f"SELECT {', '.join(EXPORT_COLUMNS)} FROM analytics_events"  # noqa: S608
        " WHERE profile_id = ? AND ts >= ? AND ts < ? AND (ts, id) > (?, ?)"
        " ORDER BY ts, id LIMIT ?",
        profile_id,
        max(start_ms, after[0]),
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
