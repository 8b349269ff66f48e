"""``Database`` over a D1 binding: prepared statements, atomic batches."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Sequence
from typing import Any

from core.ports import (
    MAX_BOUND_PARAMETERS,
    D1LimitError,
    DatabaseError,
    IntegrityError,
    Param,
    Row,
    RunResult,
    Statement,
)
from worker import interop
from worker.interop import MAX_SAFE_INTEGER, Interop

# D1's limit on the length of one statement.
MAX_STATEMENT_BYTES = 100_000

# D1 has no explicit transactions and refuses these; the local adapter refuses
# them too, so the same SQL behaves the same in both places.
_TRANSACTION = frozenset({"BEGIN", "COMMIT", "ROLLBACK", "END", "SAVEPOINT", "RELEASE"})
_FORBIDDEN = _TRANSACTION | {"ATTACH", "DETACH", "PRAGMA"}
# Leading whitespace and comments, then the first word.
_LEADING_WORD = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?(?:\*/|$))*([A-Za-z_]*)", re.DOTALL)


class D1Database:
    """The ``Database`` port over ``env.DB``."""

    def __init__(self, binding: Any) -> None:
        self._db = interop.unwrap(binding)

    async def all(self, sql: str, *params: Param) -> list[Row]:
        ffi = interop.js_interop()
        result = await _call(self._prepare(ffi, sql, params).all())
        return _rows(interop.to_py(result, ffi))

    async def first(self, sql: str, *params: Param) -> Row | None:
        ffi = interop.js_interop()
        row = interop.to_py(await _call(self._prepare(ffi, sql, params).first()), ffi)
        return None if row is None else _row(row)

    async def run(self, sql: str, *params: Param) -> RunResult:
        ffi = interop.js_interop()
        result = await _call(self._prepare(ffi, sql, params).run())
        return _run_result(interop.to_py(result, ffi))

    async def batch(self, statements: Sequence[Statement]) -> list[RunResult]:
        """All statements in one D1 batch: one transaction, all or nothing."""
        if not statements:
            return []
        ffi = interop.js_interop()
        prepared = [self._prepare(ffi, s.sql, s.params) for s in statements]
        # A JS array of the JS statements: a Python list would reach D1 as a PyProxy.
        results = await _call(self._db.batch(ffi.to_js(prepared)))
        return [_run_result(r) for r in interop.to_py(results, ffi) or []]

    def _prepare(self, ffi: Interop, sql: str, params: Sequence[Param]) -> Any:
        check_statement(sql, params)
        values = [_js_param(p, ffi) for p in params]
        try:
            statement = self._db.prepare(sql)
            if values:
                statement = statement.bind(*values)
        except Exception as exc:  # D1 checks types at bind time
            raise _database_error(exc) from exc
        return interop.unwrap(statement)


def check_statement(sql: str, params: Sequence[Param]) -> None:
    """Refuse, before sending, what D1 would refuse (as the local adapter does)."""
    if len(params) > MAX_BOUND_PARAMETERS:
        raise D1LimitError(
            f"statement binds {len(params)} parameters; D1 allows at most "
            f"{MAX_BOUND_PARAMETERS} (pass bulk rows as one JSON parameter through json_each)"
        )
    if len(sql) * 4 > MAX_STATEMENT_BYTES and len(sql.encode()) > MAX_STATEMENT_BYTES:
        raise D1LimitError(f"statement is longer than D1's {MAX_STATEMENT_BYTES} bytes")
    match = _LEADING_WORD.match(sql)
    keyword = match.group(1).upper() if match else ""
    if keyword in _TRANSACTION:
        raise D1LimitError(
            f"{keyword} is not allowed: D1 has no explicit transactions; "
            "put writes that must stand together in one Database.batch"
        )
    if keyword in _FORBIDDEN:
        raise D1LimitError(f"{keyword} is not allowed in application SQL on D1")


def _js_param(value: Param, ffi: Interop) -> Any:
    if value is None:
        # None would reach D1 as undefined, which it refuses (D1_TYPE_ERROR).
        return ffi.jsnull
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            # D1 stores 64-bit integers but its binding API takes JS numbers only
            # (no BigInt): a larger one would be silently rounded.
            raise D1LimitError(f"integer {value} is beyond what D1's binding API takes exactly")
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return ffi.to_js(bytes(value))
    return value


async def _call(pending: Awaitable[Any]) -> Any:
    try:
        return await pending
    except Exception as exc:
        raise _database_error(exc) from exc


def _database_error(exc: Exception) -> DatabaseError:
    message = interop.error_text(exc)
    if "constraint failed" in message.lower():
        return IntegrityError(message)
    return DatabaseError(message)


def _row(row: dict[str, Any]) -> Row:
    # D1 reads a BLOB back as an array of numbers; no other column type is a list.
    return {k: bytes(v) if isinstance(v, list) else v for k, v in row.items()}


def _rows(result: dict[str, Any] | None) -> list[Row]:
    return [_row(r) for r in (result or {}).get("results") or []]


def _run_result(result: dict[str, Any] | None) -> RunResult:
    meta = (result or {}).get("meta") or {}
    last = meta.get("last_row_id")
    return RunResult(
        changes=int(meta.get("changes") or 0),
        last_row_id=None if last is None else int(last),
        rows=_rows(result),
    )
