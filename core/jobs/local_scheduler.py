"""The local server's cron clock: runs the schedule in-process, like Cloudflare's triggers."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable

from croniter import croniter

log = logging.getLogger("creator_edge.scheduler")


class LocalScheduler:
    """One task per cron expression; each sleeps until its next fire time (UTC)."""

    def __init__(
        self, crons: Iterable[str], fire: Callable[[str, float], Awaitable[object]]
    ) -> None:
        self._crons = tuple(crons)
        self._fire = fire
        self._tasks: list[asyncio.Task[None]] = []
        self._running: set[asyncio.Task[object]] = set()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(expr)) for expr in self._crons]

    async def _loop(self, expression: str) -> None:
        schedule = croniter(expression, time.time())
        while True:
            at = schedule.get_next(float)
            await asyncio.sleep(max(0.0, at - time.time()))
            task = asyncio.create_task(self._run(expression, at))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, expression: str, at: float) -> object:
        try:
            return await self._fire(expression, at)
        except Exception:
            log.exception("scheduled run of %r failed", expression)
            return None

    async def stop(self, grace: float) -> None:
        """Stop firing; let runs in progress finish within ``grace`` seconds."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace)
