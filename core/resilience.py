"""Degrading instead of failing when KV or the rate-limit counter is down.

``FallbackCounter`` counts in this process while its counter (Redis) fails, and
tries it again after a pause; ``TolerantKeyValue`` reads a failing KV as a miss
and keeps the writes it could not make, replaying them, in order, once KV
answers again (a session revoked during the outage must not read as active from
a stale entry afterwards). Both say how they are for ``/api/health``.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from core.ports import Clock, Counter, KeyPage, KeyValue, WindowCount
from core.security.window import admits, window_index

log = logging.getLogger("creator_edge.resilience")

RETRY_AFTER = 5.0  # seconds a failed dependency is left alone before it is tried again
MAX_PENDING_WRITES = 10_000
MAX_LOCAL_KEYS = 100_000


class MemoryCounter:
    """``Counter`` in a dict, exact within this process: the local stand-in."""

    def __init__(self, max_keys: int = MAX_LOCAL_KEYS) -> None:
        self._counts: OrderedDict[tuple[str, int, int], int] = OrderedDict()
        self._max_keys = max_keys

    async def hit(
        self, key: str, *, limit: int, window: int, now: float, cost: int = 1
    ) -> WindowCount:
        if window <= 0 or cost < 0:
            raise ValueError("window must be positive and cost not negative")
        index = window_index(now, window)
        previous = self._counts.get((key, window, index - 1), 0)
        current = self._counts.get((key, window, index), 0)
        if not admits(previous, current, now, window, limit, cost):
            return WindowCount(False, previous, current)
        current += cost
        self._counts[(key, window, index)] = current
        self._counts.move_to_end((key, window, index))
        while len(self._counts) > self._max_keys:
            self._counts.popitem(last=False)  # the least recently counted window
        return WindowCount(True, previous, current)


class _Outage:
    """When a dependency last failed, so it is left alone for ``RETRY_AFTER``."""

    def __init__(self, name: str, clock: Clock) -> None:
        self.name = name
        self.clock = clock
        self.failed_at: float | None = None
        self.error: str | None = None

    def resting(self) -> bool:
        return self.failed_at is not None and self.clock.now() - self.failed_at < RETRY_AFTER

    def failed(self, error: Exception) -> None:
        if self.failed_at is None:
            log.warning("%s is down (%s): degrading", self.name, type(error).__name__)
        self.failed_at, self.error = self.clock.now(), type(error).__name__

    def recovered(self) -> None:
        if self.failed_at is not None:
            log.warning("%s answers again", self.name)
        self.failed_at = self.error = None

    def status(self) -> dict[str, Any] | None:
        """None when well; else what ``/api/health`` shows."""
        if self.failed_at is None:
            return None
        return {"status": "down", "error": self.error, "fallback": True}


class FallbackCounter:
    """The configured counter, or this process's own while it fails."""

    def __init__(self, primary: Counter, clock: Clock, fallback: Counter | None = None) -> None:
        self.primary = primary
        self.fallback = fallback or MemoryCounter()
        self.outage = _Outage("the rate-limit counter", clock)

    async def hit(
        self, key: str, *, limit: int, window: int, now: float, cost: int = 1
    ) -> WindowCount:
        if not self.outage.resting():
            try:
                counted = await self.primary.hit(
                    key, limit=limit, window=window, now=now, cost=cost
                )
            except Exception as error:  # any failure of the store: degrade, never a 500
                self.outage.failed(error)
            else:
                self.outage.recovered()
                return counted
        return await self.fallback.hit(key, limit=limit, window=window, now=now, cost=cost)


class TolerantKeyValue:
    """KV that reads as empty while it fails and replays the writes it missed."""

    def __init__(self, primary: KeyValue, clock: Clock) -> None:
        self.primary = primary
        self.outage = _Outage("KV", clock)
        # key -> (value or None for a delete, ttl): only the last write of a key counts.
        self._pending: OrderedDict[str, tuple[str | None, int | None]] = OrderedDict()

    async def _ready(self) -> bool:
        """Whether KV may be called now; replays missed writes first."""
        if self.outage.resting():
            return False
        try:
            while self._pending:
                key, (value, ttl) = next(iter(self._pending.items()))
                if value is None:
                    await self.primary.delete(key)
                else:
                    await self.primary.put(key, value, ttl=ttl)
                self._pending.pop(key, None)
        except Exception as error:
            self.outage.failed(error)
            return False
        return True

    def _keep(self, key: str, value: str | None, ttl: int | None) -> None:
        self._pending.pop(key, None)
        self._pending[key] = (value, ttl)
        if len(self._pending) > MAX_PENDING_WRITES:
            dropped, _ = self._pending.popitem(last=False)
            log.warning("KV is down: a missed write was dropped (key %s...)", dropped[:16])

    async def get(self, key: str) -> str | None:
        if key in self._pending:
            return self._pending[key][0]
        if await self._ready():
            try:
                value = await self.primary.get(key)
            except Exception as error:
                self.outage.failed(error)
            else:
                self.outage.recovered()
                return value
        return None

    async def put(self, key: str, value: str, *, ttl: int | None = None) -> None:
        await self._write(key, value, ttl)

    async def delete(self, key: str) -> None:
        await self._write(key, None, None)

    async def _write(self, key: str, value: str | None, ttl: int | None) -> None:
        if await self._ready():
            try:
                if value is None:
                    await self.primary.delete(key)
                else:
                    await self.primary.put(key, value, ttl=ttl)
            except (ValueError, TypeError):
                raise  # a bad key or value is the caller's error, not an outage
            except Exception as error:
                self.outage.failed(error)
            else:
                self.outage.recovered()
                return
        self._keep(key, value, ttl)

    async def list(
        self, prefix: str = "", *, limit: int = 1000, cursor: str | None = None
    ) -> KeyPage:
        if await self._ready():
            try:
                page = await self.primary.list(prefix, limit=limit, cursor=cursor)
            except Exception as error:
                self.outage.failed(error)
            else:
                self.outage.recovered()
                return page
        return KeyPage([], None)


def degraded(dependency: object) -> dict[str, Any] | None:
    """What a wrapped dependency reports while it falls back, else None."""
    outage = getattr(dependency, "outage", None)
    return outage.status() if isinstance(outage, _Outage) else None
