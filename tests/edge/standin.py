"""In-process stand-ins of the Cloudflare binding APIs, written from their docs.

They answer as the JS bindings do through Pyodide, sharp edges included:

* D1 (over sqlite3): ``prepare().bind().all()/first()/run()/raw()`` and
  ``batch()``; results ``{"results", "meta"}`` as proxies needing ``to_py()``;
  ``undefined`` refused (D1_TYPE_ERROR); over 100 bound parameters refused
  ("too many SQL variables"); BLOBs read back as arrays of numbers; errors as
  ``D1_ERROR: <sqlite message>: SQLITE_...``; a batch is all or nothing;
  foreign keys on.
* KV: ``expirationTtl`` under 60 refused with KV's own message; expiry on the
  test's clock; ``list`` pages with ``cursor`` and ``list_complete``.
* The Rate Limiting binding: ``limit({key})`` → ``{success}``, fixed windows of
  its period on the test's clock.

R2 is in ``standin_r2.py``. JS values and the fake FFI are in ``jsfakes.py``.
"""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path
from typing import Any

from core.clock import FrozenClock
from tests.edge.jsfakes import JSNULL, JsArray, JsError, JsObject, Uint8Array, field, options_of
from tests.edge.standin_r2 import R2Bucket

__all__ = ["D1Database", "KVNamespace", "R2Bucket", "RateLimit", "StandinEnv"]

D1_MAX_PARAMS = 100
MAX_SAFE_INTEGER = 2**53 - 1
KV_MIN_TTL = 60
KV_MAX_KEY_BYTES = 512


# ---------------------------------------------------------------------------- D1


class D1Database:
    def __init__(self, path: Path | str = ":memory:") -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.executed: list[tuple[str, tuple[Any, ...]]] = []

    def prepare(self, sql: str) -> D1PreparedStatement:
        return D1PreparedStatement(self, sql, ())

    async def batch(self, statements: Any) -> JsArray:
        if not isinstance(statements, JsArray):
            raise JsError("TypeError: batch: statements must be an array")
        self.conn.execute("BEGIN")
        try:
            results = JsArray(self.execute(s) for s in statements)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        return results

    def execute(self, statement: D1PreparedStatement) -> JsObject:
        sql, params = statement.sql, statement.params
        if len(params) > D1_MAX_PARAMS:
            raise JsError(
                f"Error: D1_ERROR: too many SQL variables at offset {len(sql)}: SQLITE_ERROR"
            )
        self.executed.append((sql, params))
        try:
            cursor = self.conn.execute(sql, params)
            rows = cursor.fetchall()
        except sqlite3.IntegrityError as exc:
            raise JsError(f"Error: D1_ERROR: {exc}: SQLITE_CONSTRAINT") from None
        except sqlite3.Error as exc:
            raise JsError(f"Error: D1_ERROR: {exc}: SQLITE_ERROR") from None
        columns = [d[0] for d in cursor.description or ()]
        results = JsArray(
            JsObject(dict(zip(columns, map(_d1_value, row), strict=True))) for row in rows
        )
        meta = {
            "changes": max(cursor.rowcount, 0),
            "last_row_id": cursor.lastrowid or 0,
            "rows_read": len(rows),
            "rows_written": max(cursor.rowcount, 0),
            "duration": 0.1,
            "changed_db": cursor.rowcount > 0,
            "served_by": "standin",
        }
        return JsObject(
            {
                "success": True,
                "results": results,
                "meta": JsObject(meta),
                "columns": JsArray(columns),
            }
        )


class D1PreparedStatement:
    def __init__(self, db: D1Database, sql: str, params: tuple[Any, ...]) -> None:
        self.db, self.sql, self.params = db, sql, params

    def bind(self, *values: Any) -> D1PreparedStatement:
        return D1PreparedStatement(self.db, self.sql, tuple(_d1_param(v) for v in values))

    async def all(self) -> JsObject:
        return self.db.execute(self)

    async def run(self) -> JsObject:
        return self.db.execute(self)

    async def first(self, column: str | None = None) -> Any:
        rows = self.db.execute(self).results
        if not rows:
            return JSNULL
        return getattr(rows[0], column) if column else rows[0]

    async def raw(self, options: Any = None) -> JsArray:
        result = self.db.execute(self)
        rows = JsArray(JsArray(r.to_py().values()) for r in result.results)
        if field(options_of(options, "raw"), "columnNames", False):
            rows.insert(0, JsArray(result.columns))
        return rows


def _d1_param(value: Any) -> Any:
    if value is JSNULL:
        return None
    if value is None:  # Python None crosses to JS as undefined
        raise JsError("Error: D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined'")
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER:
        # Pyodide hands such an int to JS as a BigInt, which D1's API does not take.
        raise JsError(f"Error: D1_TYPE_ERROR: Type 'bigint' not supported for value '{value}'")
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, Uint8Array):
        return value.to_bytes()
    raise JsError(f"Error: D1_TYPE_ERROR: Type 'object' not supported for value '{value!r}'")


def _d1_value(value: Any) -> Any:
    # D1 reads a BLOB back as an array of numbers, NULL as null, and every number
    # as a JS number, which Pyodide turns into an int when it is a safe integer
    # (so a REAL 2.0 arrives as 2) and a float otherwise (so 2**63-1 is rounded).
    if isinstance(value, bytes):
        return JsArray(value)
    if value is None:
        return JSNULL
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and abs(number) <= MAX_SAFE_INTEGER:
            return int(number)
        return number
    return value


# ---------------------------------------------------------------------------- KV


class KVNamespace:
    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock
        self.entries: dict[str, tuple[str, float | None]] = {}
        self.writes: list[tuple[str, int | None]] = []

    def _live(self, key: str) -> str | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        value, expires = entry
        if expires is not None and self.clock.now() >= expires:
            del self.entries[key]
            return None
        return value

    async def get(self, key: str, options: Any = None) -> Any:
        value = self._live(key)
        return JSNULL if value is None else value

    async def put(self, key: str, value: Any, options: Any = None) -> None:
        _check_key(key, "PUT")
        if not isinstance(value, str):
            raise JsError(
                "TypeError: KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, "
                "and ReadableStreams as values."
            )
        ttl = field(options_of(options, "KV put"), "expirationTtl")
        if ttl is not None and (not isinstance(ttl, int) or ttl < KV_MIN_TTL):
            raise JsError(
                f"Error: KV PUT failed: 400 Invalid expiration_ttl of {ttl}. "
                f"Expiration TTL must be at least {KV_MIN_TTL}."
            )
        self.writes.append((key, ttl))
        self.entries[key] = (value, None if ttl is None else self.clock.now() + ttl)

    async def delete(self, key: str) -> None:
        _check_key(key, "DELETE")
        self.entries.pop(key, None)

    async def list(self, options: Any = None) -> JsObject:
        options = options_of(options, "KV list")
        prefix = field(options, "prefix", "") or ""
        limit = field(options, "limit", 1000)
        if not 1 <= limit <= 1000:
            raise JsError(f"Error: KV GET failed: 400 Invalid key_count_limit of {limit}.")
        cursor = field(options, "cursor")
        after = base64.b64decode(cursor).decode() if cursor else None
        names = sorted(k for k in list(self.entries) if k.startswith(prefix) and self._live(k))
        if after is not None:
            names = [k for k in names if k > after]
        page, rest = names[:limit], names[limit:]
        keys = JsArray(JsObject({"name": k}) for k in page)
        if rest:
            next_cursor = base64.b64encode(page[-1].encode()).decode()
            return JsObject({"keys": keys, "list_complete": False, "cursor": next_cursor})
        return JsObject({"keys": keys, "list_complete": True, "cacheStatus": JSNULL})


def _check_key(key: str, verb: str) -> None:
    size = len(key.encode())
    if size == 0:
        raise JsError(f"TypeError: KV {verb} failed: key names cannot be empty.")
    if size > KV_MAX_KEY_BYTES:
        raise JsError(
            f"Error: KV {verb} failed: 414 UTF-8 encoded length of {size} exceeds "
            f"key length limit of {KV_MAX_KEY_BYTES}."
        )


# -------------------------------------------------------------- Rate Limiting


class RateLimit:
    """A ``[[ratelimits]]`` binding: ``simple = { limit, period }``, period 10 or 60."""

    def __init__(self, limit: int, period: int, clock: FrozenClock) -> None:
        if period not in (10, 60):
            raise ValueError("a rate limit's period must be 10 or 60 seconds")
        self.limit_, self.period, self.clock = limit, period, clock
        self.counts: dict[tuple[str, int], int] = {}
        self.calls = 0

    async def limit(self, options: Any) -> JsObject:
        key = field(options_of(options, "limit"), "key")
        if not isinstance(key, str):
            raise JsError("TypeError: limit: key must be a string")
        self.calls += 1
        slot = (key, int(self.clock.now() // self.period))
        if self.counts.get(slot, 0) >= self.limit_:
            return JsObject({"success": False})
        self.counts[slot] = self.counts.get(slot, 0) + 1
        return JsObject({"success": True})


# --------------------------------------------------------------------------- env


class StandinEnv:
    """An ``env`` with the bindings and vars of ``wrangler.toml``, over the stand-ins."""

    def __init__(self, tmp_path: Path, clock: FrozenClock, **variables: str) -> None:
        self.DB = D1Database(tmp_path / "d1.sqlite")
        self.KV = KVNamespace(clock)
        self.BUCKET = R2Bucket(clock)
        self.RL_DEFAULT = RateLimit(100, 60, clock)
        self.RL_AUTH = RateLimit(5, 60, clock)
        for name, value in variables.items():
            setattr(self, name, value)
