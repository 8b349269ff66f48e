"""``KeyValue`` over a KV binding, and the edge ``Counter``.

The counter is approximate, and says so (``WindowCount.exact`` is False):

* Where a Workers Rate Limiting binding is configured for the policy's
  ``(limit, window)``, the binding's verdict decides. It counts per Cloudflare
  location in its own fixed windows, and answers only yes or no, so the counts
  reported for the RateLimit headers come from a tally kept in this isolate:
  the requests this isolate admitted, raised to "full" when the binding refuses.
* Otherwise the sliding window is kept in KV (one key a fixed window). KV has
  no atomic increment, is eventually consistent (up to 60 s between
  locations) and takes one write a second a key, so concurrent isolates can
  each admit up to the limit. Within one isolate the decision is exact: the
  check and the increment happen on the in-isolate tally with no await
  between them, and KV carries the counts between isolates and restarts.

Exact accounting would need a Durable Object.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

from core.ports import KV_MIN_TTL, KeyPage, KeyValue, WindowCount
from core.security.window import admits, elapsed_fraction, window_index
from worker import interop

log = logging.getLogger("creator_edge.edge")

# KV pages hold at most 1000 keys.
_KV_PAGE_MAX = 1000
_COUNTER_PREFIX = "rl:"


class KVKeyValue:
    """The ``KeyValue`` port over ``env.KV``."""

    def __init__(self, binding: Any) -> None:
        self._kv = interop.unwrap(binding)

    async def get(self, key: str) -> str | None:
        ffi = interop.js_interop()
        value = await self._kv.get(key)
        return None if interop.is_null(value, ffi) else str(value)

    async def put(self, key: str, value: str, *, ttl: int | None = None) -> None:
        if ttl is None:
            await self._kv.put(key, value)
            return
        # KV refuses an expirationTtl under 60 s (a 400), so shorter ones are raised to it.
        options = {"expirationTtl": max(KV_MIN_TTL, math.ceil(ttl))}
        await self._kv.put(key, value, interop.js_object(options, interop.js_interop()))

    async def delete(self, key: str) -> None:
        await self._kv.delete(key)

    async def list(
        self, prefix: str = "", *, limit: int = 1000, cursor: str | None = None
    ) -> KeyPage:
        ffi = interop.js_interop()
        options = {
            "prefix": prefix or None,
            "limit": max(1, min(limit, _KV_PAGE_MAX)),
            "cursor": cursor,
        }
        page = interop.to_py(await self._kv.list(interop.js_object(options, ffi)), ffi) or {}
        keys = [entry["name"] for entry in page.get("keys") or []]
        # A page may be short, even empty, before the end: only list_complete ends it.
        done = bool(page.get("list_complete", True))
        return KeyPage(keys, None if done else (page.get("cursor") or None))


class Tally:
    """Counts of recent fixed windows, kept in this isolate across requests."""

    def __init__(self, max_keys: int = 10_000) -> None:
        self._max_keys = max_keys
        self._windows: dict[tuple[str, int, int], dict[int, int]] = {}

    def get(self, ident: tuple[str, int, int], index: int) -> int:
        return self._windows.get(ident, {}).get(index, 0)

    def raise_to(self, ident: tuple[str, int, int], index: int, count: int) -> int:
        counts = self._counts(ident, index)
        counts[index] = max(counts.get(index, 0), count)
        return counts[index]

    def add(self, ident: tuple[str, int, int], index: int, cost: int) -> int:
        counts = self._counts(ident, index)
        counts[index] = counts.get(index, 0) + cost
        return counts[index]

    def _counts(self, ident: tuple[str, int, int], index: int) -> dict[int, int]:
        counts = self._windows.pop(ident, None)
        if counts is None:
            counts = {}
            if len(self._windows) >= self._max_keys:
                # Forget the least recently used tenth: memory stays bounded.
                for stale in list(self._windows)[: max(1, self._max_keys // 10)]:
                    del self._windows[stale]
        self._windows[ident] = counts  # re-inserted: most recently used last
        for old in [i for i in counts if i < index - 1]:
            del counts[old]
        return counts


class EdgeCounter:
    """The ``Counter`` port at the edge: approximate, see the module's docstring."""

    def __init__(
        self,
        kv: KeyValue,
        rate_limiters: dict[tuple[int, int], Any] | None = None,
        tally: Tally | None = None,
    ) -> None:
        self._kv = kv
        self._limiters = rate_limiters or {}
        self._tally = tally if tally is not None else Tally()

    async def hit(
        self, key: str, *, limit: int, window: int, now: float, cost: int = 1
    ) -> WindowCount:
        limiter = self._limiters.get((limit, window))
        if limiter is not None:
            try:
                return await self._hit_limiter(limiter, key, limit, window, now, cost)
            except Exception:
                log.warning("rate limiting binding failed; using the KV window", exc_info=True)
        return await self._hit_kv(key, limit, window, now, cost)

    async def _hit_limiter(
        self, limiter: Any, key: str, limit: int, window: int, now: float, cost: int
    ) -> WindowCount:
        ffi = interop.js_interop()
        allowed = True
        for _ in range(cost):  # the binding counts one a call
            outcome = interop.to_py(await limiter.limit(interop.js_object({"key": key}, ffi)), ffi)
            if not (outcome or {}).get("success"):
                allowed = False
                break
        ident, index = (key, limit, window), window_index(now, window)
        previous = self._tally.get(ident, index - 1)
        if allowed:
            current = self._tally.add(ident, index, cost)
        else:
            # Refused elsewhere too: report the window as full, so the headers agree.
            full = math.floor(limit - cost - previous * (1 - elapsed_fraction(now, window))) + 1
            current = self._tally.raise_to(ident, index, max(0, full))
        return WindowCount(allowed, previous, current, exact=False)

    async def _hit_kv(
        self, key: str, limit: int, window: int, now: float, cost: int
    ) -> WindowCount:
        ident, index = (key, limit, window), window_index(now, window)
        prev_key, cur_key = (f"{_COUNTER_PREFIX}{window}:{i}:{key}" for i in (index - 1, index))
        stored_prev, stored_cur = await asyncio.gather(
            self._kv.get(prev_key), self._kv.get(cur_key)
        )
        # No await from here to the increment: one isolate's decisions are atomic.
        previous = self._tally.raise_to(ident, index - 1, _count(stored_prev))
        current = self._tally.raise_to(ident, index, _count(stored_cur))
        if not admits(previous, current, now, window, limit, cost):
            return WindowCount(False, previous, current, exact=False)
        current = self._tally.add(ident, index, cost)
        try:
            # Kept for two windows: the next window reads it as its "previous".
            await self._kv.put(cur_key, str(current), ttl=2 * window)
        except Exception:  # KV takes one write a second a key; the tally still counts
            log.warning("counter write to KV failed", exc_info=True)
        return WindowCount(True, previous, current, exact=False)


def _count(stored: str | None) -> int:
    try:
        return max(0, int(stored)) if stored is not None else 0
    except ValueError:
        return 0
