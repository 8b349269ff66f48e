"""``Database`` over a D1 binding: prepared statements, atomic batches."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

from core.d1_rules import check_d1_rules
from core.ports import (
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
        check_d1_rules(sql, params)
        values = [_js_param(p, ffi) for p in params]
        try:
            statement = self._db.prepare(sql)
            if values:
                statement = statement.bind(*values)
        except Exception as exc:  # D1 checks types at bind time
            raise _database_error(exc) from exc
        return interop.unwrap(statement)


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
        # Pyodide hands an int of 2**53 - 1 or more to JS as a BigInt, which D1
        # refuses (D1_TYPE_ERROR: Type 'bigint'); as a float it is the same JS
        # number, exactly.
        return float(value) if abs(value) == MAX_SAFE_INTEGER else value
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
