"""Buffered event writes for the local runtime: many events a statement.

At the edge each request's events are one INSERT inside ``wait_until`` (there
is no process to buffer in). Locally the runtime keeps one ``EventWriter``:
events are flushed every ``interval`` seconds or as soon as ``max_rows`` wait,
and on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from core.analytics.repo import EventRow, insert_events
from core.ports import Database

log = logging.getLogger("creator_edge.analytics")


class EventWriter:
    def __init__(self, db: Database, *, interval: float = 0.25, max_rows: int = 500) -> None:
        self.db = db
        self.interval = interval
        self.max_rows = max_rows
        self._rows: list[EventRow] = []
        self._timer: asyncio.Task[None] | None = None
        self._flushing: set[asyncio.Task[None]] = set()
        # A flush spawned for a full buffer that has not taken its rows yet: adds
        # before it runs join it instead of each spawning a task of their own.
        self._flush_due = False
        self.written = 0
        self.failed = 0

    @property
    def pending(self) -> int:
        return len(self._rows)

    def add(self, rows: Sequence[EventRow]) -> None:
        """Queue ``rows``; they are written within ``interval`` seconds."""
        if not rows:
            return
        self._rows.extend(rows)
        if len(self._rows) >= self.max_rows:
            if not self._flush_due:
                self._flush_due = True
                self._spawn(self._flush_now())
        elif self._timer is None:
            self._timer = asyncio.ensure_future(self._after_interval())

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _after_interval(self) -> None:
        try:
            await asyncio.sleep(self.interval)
        finally:
            if self._timer is asyncio.current_task():
                self._timer = None
        # A tracked task, so that flush() waits for this write too.
        self._spawn(self._flush_now())

    async def _flush_now(self) -> None:
        rows, self._rows = self._rows, []
        self._flush_due = False
        if not rows:
            return
        try:
            await insert_events(self.db, rows)
            self.written += len(rows)
        except Exception:
            # Analytics degrade, requests do not: the batch is dropped and logged.
            self.failed += len(rows)
            log.exception("analytics: %d events could not be written", len(rows))

    async def flush(self) -> None:
        """Write everything queued now, and wait for writes already under way."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        await self._flush_now()
        if self._flushing:
            await asyncio.gather(*self._flushing, return_exceptions=True)

    async def close(self) -> None:
        await self.flush()
