"""``KeyValue`` and ``Counter`` in a SQLite file of their own (never the D1 database)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from core.ports import KV_MIN_TTL, Clock, KeyPage, WindowCount
from core.security.window import elapsed_fraction, window_index

# KV refuses longer keys and longer list pages; keep local code inside the same limits.
MAX_KEY_BYTES = 512
MAX_LIST_LIMIT = 1000

# Expired rows are invisible at once but deleted in sweeps, at most this often.
_PURGE_EVERY = 60.0

_KV_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at REAL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_expiry ON kv(expires_at) WHERE expires_at IS NOT NULL;
"""

_COUNTER_SCHEMA = """
CREATE TABLE IF NOT EXISTS rate_counters (
    key TEXT NOT NULL,
    size INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    cur INTEGER NOT NULL,
    prev INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    PRIMARY KEY (key, size)
) WITHOUT ROWID;
"""

# One row per key and window size holds the current and previous fixed windows.
# The whole sliding-window decision is this one statement, so it is atomic
# across processes with no explicit transaction. In the DO UPDATE branch every
# column reference reads the row as it was before the update.
# ?1 key, ?2 window size, ?3 window index, ?4 cost, ?5 limit, ?6 previous-window weight.
_HIT = """
INSERT INTO rate_counters (key, size, idx, cur, prev, ok)
VALUES (?1, ?2, ?3, CASE WHEN ?4 <= ?5 THEN ?4 ELSE 0 END, 0, ?4 <= ?5)
ON CONFLICT (key, size) DO UPDATE SET
    prev = CASE WHEN idx >= ?3 THEN prev WHEN idx = ?3 - 1 THEN cur ELSE 0 END,
    cur = CASE WHEN idx >= ?3 THEN cur ELSE 0 END
        + CASE WHEN (CASE WHEN idx >= ?3 THEN prev WHEN idx = ?3 - 1 THEN cur ELSE 0 END) * ?6
                    + (CASE WHEN idx >= ?3 THEN cur ELSE 0 END) + ?4 <= ?5
               THEN ?4 ELSE 0 END,
    ok = (CASE WHEN idx >= ?3 THEN prev WHEN idx = ?3 - 1 THEN cur ELSE 0 END) * ?6
        + (CASE WHEN idx >= ?3 THEN cur ELSE 0 END) + ?4 <= ?5,
    idx = MAX(idx, ?3)
RETURNING cur, prev, ok
"""


def _prefix_end(prefix: str) -> str | None:
    """The least string above every string that starts with ``prefix`` (None: no bound)."""
    while prefix:
        following = ord(prefix[-1]) + 1
        if following == 0xD800:  # surrogates cannot be stored; skip past them
            following = 0xE000
        if following <= 0x10FFFF:
            return prefix[:-1] + chr(following)
        prefix = prefix[:-1]
    return None


class _SQLiteFile:
    # These adapters run tiny indexed statements synchronously on the calling
    # thread: a hop to a worker thread costs more than the statement itself.
    # The lock serializes threads sharing the connection; BEGIN IMMEDIATE and
    # busy_timeout serialize processes sharing the file (only that wait, bounded
    # by busy_timeout, could hold up the event loop).

    _schema = ""

    def __init__(self, path: str | Path, *, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self._busy_timeout = busy_timeout
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._next_purge = float("-inf")

    def _connection(self) -> sqlite3.Connection:
        # Called with the lock held; opened on first use so construction does no I/O.
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path,
                timeout=self._busy_timeout,
                isolation_level=None,
                check_same_thread=False,  # the lock guards every use
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(self._schema)
            self._conn = conn
        return self._conn

    def _purge_due(self, now: float) -> bool:
        if now < self._next_purge:
            return False
        self._next_purge = now + _PURGE_EVERY
        return True

    async def close(self) -> None:
        """Close the connection."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class SQLiteKeyValue(_SQLiteFile):
    """``KeyValue`` on SQLite, expiring keys by the injected clock."""

    _schema = _KV_SCHEMA

    def __init__(self, path: str | Path, clock: Clock, *, busy_timeout: float = 5.0) -> None:
        super().__init__(path, busy_timeout=busy_timeout)
        self._clock = clock

    async def get(self, key: str) -> str | None:
        now = self._clock.now()
        with self._lock:
            conn = self._connection()
            row = conn.execute("SELECT value, expires_at FROM kv WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            value, expires_at = row
            if expires_at is not None and expires_at <= now:
                conn.execute("DELETE FROM kv WHERE key = ? AND expires_at <= ?", (key, now))
                return None
            return str(value)

    async def put(self, key: str, value: str, *, ttl: int | None = None) -> None:
        if not key or len(key.encode()) > MAX_KEY_BYTES:
            raise ValueError(f"KV keys are 1 to {MAX_KEY_BYTES} bytes long")
        if not isinstance(value, str):
            raise TypeError("KV values are text")
        now = self._clock.now()
        expires_at = None if ttl is None else now + max(ttl, KV_MIN_TTL)
        with self._lock:
            conn = self._connection()
            conn.execute(
                "INSERT INTO kv(key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT(key) "
                "DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
                (key, value, expires_at),
            )
            if self._purge_due(now):
                conn.execute("DELETE FROM kv WHERE expires_at <= ?", (now,))

    async def delete(self, key: str) -> None:
        with self._lock:
            self._connection().execute("DELETE FROM kv WHERE key = ?", (key,))

    async def list(
        self, prefix: str = "", *, limit: int = 1000, cursor: str | None = None
    ) -> KeyPage:
        """Live keys starting with ``prefix`` in key order; ``cursor`` is opaque to callers."""
        limit = max(1, min(limit, MAX_LIST_LIMIT))
        where = ["(expires_at IS NULL OR expires_at > ?)"]
        params: list[object] = [self._clock.now()]
        # The cursor is the last key of the previous page: continue after it.
        if cursor is not None and cursor >= prefix:
            where.append("key > ?")
            params.append(cursor)
        else:
            where.append("key >= ?")
            params.append(prefix)
        end = _prefix_end(prefix)
        if end is not None:
            where.append("key < ?")
            params.append(end)
        sql = f"SELECT key FROM kv WHERE {' AND '.join(where)} ORDER BY key LIMIT ?"  # noqa: S608
        params.append(limit + 1)
        with self._lock:
            keys = [row[0] for row in self._connection().execute(sql, params)]
        if len(keys) > limit:
            return KeyPage(keys[:limit], keys[limit - 1])
        return KeyPage(keys, None)


class SQLiteCounter(_SQLiteFile):
    """``Counter`` on SQLite: exact, and atomic across coroutines, threads and processes."""

    _schema = _COUNTER_SCHEMA

    async def hit(
        self, key: str, *, limit: int, window: int, now: float, cost: int = 1
    ) -> WindowCount:
        if window <= 0 or cost < 0:
            raise ValueError("window must be positive and cost not negative")
        idx = window_index(now, window)
        weight = 1.0 - elapsed_fraction(now, window)
        with self._lock:
            conn = self._connection()
            current, previous, ok = conn.execute(
                _HIT, (key, window, idx, cost, limit, weight)
            ).fetchone()
            if self._purge_due(now):
                # A window is read as "previous" until two windows after its start.
                conn.execute("DELETE FROM rate_counters WHERE (idx + 2) * size <= ?", (now,))
        allowed = bool(ok)
        return WindowCount(allowed=allowed, previous=previous, current=current)
