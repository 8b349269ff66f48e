"""The ``Database`` port on a SQLite file, holding application SQL to D1's rules.

Writes run on one dedicated thread and connection: the event loop never blocks
on disk, and writes from concurrent requests serialize the way they do inside
D1. Reads (``all`` and ``first`` of a ``SELECT``) run on a small pool of
read-only connections of their own: under WAL a reader sees the last committed
write and never waits for a writer, so a request's reads do not queue behind a
rollup, a purge or an export that holds the writer. The D1 checks
(``check_d1_statement``) run before the hop, so code that passes here is code
D1 will accept.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from core.d1_rules import (
    READ_KEYWORDS,
    TRANSACTION_KEYWORDS,
    check_d1_rules,
    leading_keyword,
    skip_blank,
)
from core.ports import (
    D1LimitError,
    DatabaseError,
    IntegrityError,
    Param,
    Row,
    RunResult,
    Statement,
)

T = TypeVar("T")

_MIGRATIONS_TABLE = """CREATE TABLE IF NOT EXISTS d1_migrations(
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT UNIQUE,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
)"""


def _is_single_statement(sql: str) -> bool:
    # complete_statement understands string literals, comments and trigger
    # bodies, so the first ';' that completes a statement is its real end.
    at = sql.find(";")
    while at >= 0:
        if sqlite3.complete_statement(sql[: at + 1]):
            return skip_blank(sql, at + 1) == len(sql)
        at = sql.find(";", at + 1)
    return True


def check_d1_statement(sql: str, params: Sequence[Param]) -> None:
    """Raise ``D1LimitError`` if D1 would refuse this statement."""
    check_d1_rules(sql, params)
    if not _is_single_statement(sql):
        raise D1LimitError("one statement per call: D1 prepares one; use batch() for several")


def split_script(script: str) -> list[str]:
    """A migration script's statements, in order, without empty ones."""
    statements: list[str] = []
    current = ""
    pieces = script.split(";")
    for piece in pieces[:-1]:
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if skip_blank(current) < len(current) - 1:  # more than a lone ';'
                statements.append(current.strip())
            current = ""
    tail = current + pieces[-1]
    if skip_blank(tail) < len(tail):
        statements.append(tail.strip())
    return statements


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> Row:
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


@contextmanager
def _translated(context: str = "") -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise IntegrityError(f"{context}{exc}") from exc
    except (sqlite3.Error, OverflowError) as exc:
        # OverflowError: an int outside SQLite's 64-bit range.
        raise DatabaseError(f"{context}{exc}") from exc


def _run_on(conn: sqlite3.Connection, sql: str, params: Sequence[Param]) -> RunResult:
    cursor = conn.execute(sql, params)
    rows = cursor.fetchall()  # RETURNING rows; rowcount is final only once they are read
    return RunResult(changes=max(cursor.rowcount, 0), last_row_id=cursor.lastrowid, rows=rows)


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


# Read connections: two cover the request path on this two-core class of
# machine while a long statement holds one; more only add file handles.
DEFAULT_READERS = 2


def _is_read(sql: str) -> bool:
    return leading_keyword(sql) in READ_KEYWORDS


class _ReadOnly(Exception):
    """A statement sent to a read connection turned out to write (a CTE before an INSERT)."""


class SQLiteDatabase:
    """``Database`` over a SQLite file, with D1's limits enforced."""

    def __init__(
        self, path: str | Path, *, busy_timeout: float = 5.0, readers: int = DEFAULT_READERS
    ) -> None:
        self.path = Path(path)
        self._busy_timeout = busy_timeout
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-db")
        self._conn: sqlite3.Connection | None = None  # opened and used on that thread only
        self._readers = max(readers, 0)
        self._read_executor = (
            ThreadPoolExecutor(max_workers=self._readers, thread_name_prefix="sqlite-read")
            if self._readers
            else None
        )
        # Read connections are handed from thread to thread through this queue,
        # so each is used by one thread at a time (check_same_thread is off for that).
        self._read_pool: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._read_opened: list[sqlite3.Connection] = []
        self._closed = False

    def _open(self, *, read_only: bool) -> sqlite3.Connection:
        # Autocommit: transactions are begun explicitly, and DDL is not
        # wrapped in the implicit ones Python's sqlite3 would otherwise open.
        conn = sqlite3.connect(
            self.path,
            timeout=self._busy_timeout,
            isolation_level=None,
            check_same_thread=not read_only,
        )
        conn.row_factory = _dict_row
        if read_only:
            conn.execute("PRAGMA query_only=ON")
        else:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")  # D1 enforces foreign keys
        conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout * 1000)}")
        return conn

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = self._open(read_only=False)
        return self._conn

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise DatabaseError(f"database {self.path} is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    def _on_reader(
        self,
        fn: Callable[[sqlite3.Connection, str, Sequence[Param]], T],
        sql: str,
        params: Sequence[Param],
    ) -> T:
        try:
            conn = self._read_pool.get_nowait()
        except queue.Empty:
            conn = self._open(read_only=True)
            self._read_opened.append(conn)
        try:
            with _translated():
                try:
                    return fn(conn, sql, params)
                except sqlite3.OperationalError as exc:
                    if "readonly" in str(exc):
                        raise _ReadOnly from exc
                    raise
        finally:
            self._read_pool.put(conn)

    async def _read(
        self,
        fn: Callable[[sqlite3.Connection, str, Sequence[Param]], T],
        sql: str,
        params: Sequence[Param],
    ) -> T:
        if self._closed:
            raise DatabaseError(f"database {self.path} is closed")
        if self._read_executor is None or self._conn is None or not _is_read(sql):
            # Until the writer has opened the file (and set WAL), reads go through it.
            return await self._call(self._on_writer, fn, sql, params)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._read_executor, self._on_reader, fn, sql, params)
        except _ReadOnly:
            return await self._call(self._on_writer, fn, sql, params)

    def _on_writer(
        self,
        fn: Callable[[sqlite3.Connection, str, Sequence[Param]], T],
        sql: str,
        params: Sequence[Param],
    ) -> T:
        with _translated():
            return fn(self._connection(), sql, params)

    @staticmethod
    def _all(conn: sqlite3.Connection, sql: str, params: Sequence[Param]) -> list[Row]:
        rows: list[Row] = conn.execute(sql, params).fetchall()
        return rows

    @staticmethod
    def _first(conn: sqlite3.Connection, sql: str, params: Sequence[Param]) -> Row | None:
        cursor = conn.execute(sql, params)
        try:
            row: Row | None = cursor.fetchone()
        finally:
            cursor.close()  # resets the statement so it holds no read snapshot
        return row

    def _run(self, sql: str, params: Sequence[Param]) -> RunResult:
        with _translated():
            return _run_on(self._connection(), sql, params)

    def _batch(self, statements: Sequence[Statement]) -> list[RunResult]:
        conn = self._connection()
        with _translated():
            # IMMEDIATE takes the write lock up front: a deferred transaction that
            # upgrades later can fail with SQLITE_BUSY without waiting.
            conn.execute("BEGIN IMMEDIATE")
            try:
                results = [_run_on(conn, s.sql, s.params) for s in statements]
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
        return results

    async def all(self, sql: str, *params: Param) -> list[Row]:
        check_d1_statement(sql, params)
        return await self._read(self._all, sql, params)

    async def first(self, sql: str, *params: Param) -> Row | None:
        check_d1_statement(sql, params)
        return await self._read(self._first, sql, params)

    async def run(self, sql: str, *params: Param) -> RunResult:
        check_d1_statement(sql, params)
        return await self._call(self._run, sql, params)

    async def batch(self, statements: Sequence[Statement]) -> list[RunResult]:
        """Run all statements in one transaction: all succeed or none is applied."""
        for statement in statements:
            check_d1_statement(statement.sql, statement.params)
        if not statements:
            return []
        return await self._call(self._batch, list(statements))

    # ------------------------------------------------------------ migrations

    def _apply(self, statements: list[str], name: str) -> None:
        conn = self._connection()
        with _translated(f"migration {name} failed: "):
            conn.execute(_MIGRATIONS_TABLE)
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in statements:
                    conn.execute(statement)
                conn.execute("INSERT INTO d1_migrations(name) VALUES (?)", (name,))
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise

    def _applied(self) -> list[str]:
        conn = self._connection()
        with _translated():
            conn.execute(_MIGRATIONS_TABLE)
            return [
                row["name"] for row in conn.execute("SELECT name FROM d1_migrations ORDER BY id")
            ]

    async def apply_migration(self, sql_script: str, name: str) -> None:
        """Apply one migration file and record it in ``d1_migrations``, atomically."""
        statements = split_script(sql_script)
        for statement in statements:
            keyword = leading_keyword(statement)
            if keyword in TRANSACTION_KEYWORDS or keyword in ("ATTACH", "DETACH"):
                raise D1LimitError(f"migration {name}: {keyword} is not allowed (D1 refuses it)")
        await self._call(self._apply, statements, name)

    async def applied_migrations(self) -> list[str]:
        """Names of the applied migrations, in the order they were applied."""
        return await self._call(self._applied)

    # ------------------------------------------------------------- lifetime

    def _close_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        for conn in self._read_opened:
            conn.close()
        self._read_opened.clear()

    async def close(self) -> None:
        """Close the connection and stop the thread; later calls raise DatabaseError."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        if self._read_executor is not None:
            # Reads in flight finish first; then no thread holds a read connection.
            await loop.run_in_executor(None, self._read_executor.shutdown, True)
        # Queued statements run first: the executor is first in, first out.
        await loop.run_in_executor(self._executor, self._close_connection)
        self._executor.shutdown(wait=False)
