"""Streaming a profile's raw events as CSV or JSON: keyset pages, never the whole range."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator

from core.analytics import repo
from core.ports import Database

PAGE = 1000


async def rows(
    db: Database, profile_id: str, start_ms: int, end_ms: int, page: int = PAGE
) -> AsyncIterator[list[dict[str, object]]]:
    """Pages of the range's rows in (ts, id) order."""
    after = (start_ms - 1, 0)
    while True:
        batch = await repo.export_page(db, profile_id, start_ms, end_ms, after, page)
        if not batch:
            return
        yield batch
        if len(batch) < page:
            return
        after = (int(batch[-1]["ts"]), int(batch[-1]["id"]))


async def stream(
    db: Database, profile_id: str, start_ms: int, end_ms: int, format: str
) -> AsyncIterator[bytes]:
    if format == "csv":
        yield (",".join(repo.EXPORT_COLUMNS) + "\r\n").encode()
        async for batch in rows(db, profile_id, start_ms, end_ms):
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerows([[row[c] for c in repo.EXPORT_COLUMNS] for row in batch])
            yield out.getvalue().encode()
        return
    first = True
    yield b"["
    async for batch in rows(db, profile_id, start_ms, end_ms):
        text = ",\n".join(json.dumps(row, separators=(",", ":")) for row in batch)
        yield ((b"\n" if first else b",\n") + text.encode())
        first = False
    yield b"\n]\n"
