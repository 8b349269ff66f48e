"""``Defer`` for the local runtime: tracked tasks, drained on shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

log = logging.getLogger("creator_edge.defer")


class TaskDefer:
    """Runs deferred work as tasks on the running loop and keeps hold of them,
    so shutdown can wait for every one (within a bound) instead of losing it."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def __call__(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("deferred work failed", exc_info=task.exception())

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float) -> bool:
        """Wait for all pending work, including work it defers in turn; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._tasks:
            remaining = deadline - loop.time()
            if remaining <= 0:
                log.error("shutdown: %d deferred tasks did not finish in time", len(self._tasks))
                return False
            await asyncio.wait(set(self._tasks), timeout=remaining)
        return True
