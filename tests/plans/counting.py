"""Every statement the app sends to the database while a block runs."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any


class CountingDatabase:
    def __init__(self, inner: Any, seen: list[str]) -> None:
        self.inner, self.seen = inner, seen

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if name in ("all", "first", "run"):

            async def counted(sql: str, *args: Any) -> Any:
                self.seen.append(sql)
                return await attr(sql, *args)

            return counted
        if name == "batch":

            async def batched(statements: Any) -> Any:
                self.seen.extend(f"batch: {s.sql}" for s in statements)
                return await attr(statements)

            return batched
        return attr


@contextlib.asynccontextmanager
async def counted_statements(runtime: Any) -> AsyncIterator[list[str]]:
    ports = runtime.ports({})
    seen: list[str] = []
    inner = ports.db
    ports.db = CountingDatabase(inner, seen)
    try:
        yield seen
    finally:
        ports.db = inner
