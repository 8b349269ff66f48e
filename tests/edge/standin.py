"""In-process stand-ins of the KV and Rate Limiting binding APIs, written from their docs.

What Miniflare cannot give the tests that use them: expiry and windows on the
test's clock (``FrozenClock``), so a test can move time. D1 and R2 are tested
over Miniflare's real bindings under Pyodide (tests/pyodide), and their
stand-ins are gone.

* KV: ``expirationTtl`` under 60 refused with KV's own message; expiry on the
  test's clock; ``list`` pages with ``cursor`` and ``list_complete``.
* The Rate Limiting binding: ``limit({key})`` → ``{success}``, fixed windows of
  its period on the test's clock.

JS values and the fake FFI are in ``jsfakes.py``.
"""

from __future__ import annotations

import base64
from typing import Any

from core.clock import FrozenClock
from tests.edge.jsfakes import JSNULL, JsArray, JsError, JsObject, field, options_of

__all__ = ["KVNamespace", "RateLimit"]

D1_MAX_PARAMS = 100
MAX_SAFE_INTEGER = 2**53 - 1
KV_MIN_TTL = 60
KV_MAX_KEY_BYTES = 512


# ---------------------------------------------------------------------------- KV


class KVNamespace:
    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock
        self.entries: dict[str, tuple[str, float | None]] = {}
        self.writes: list[tuple[str, int | None]] = []

    def _live(self, key: str) -> str | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        value, expires = entry
        if expires is not None and self.clock.now() >= expires:
            del self.entries[key]
            return None
        return value

    async def get(self, key: str, options: Any = None) -> Any:
        value = self._live(key)
        return JSNULL if value is None else value

    async def put(self, key: str, value: Any, options: Any = None) -> None:
        _check_key(key, "PUT")
        if not isinstance(value, str):
            raise JsError(
                "TypeError: KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, "
                "and ReadableStreams as values."
            )
        ttl = field(options_of(options, "KV put"), "expirationTtl")
        if ttl is not None and (not isinstance(ttl, int) or ttl < KV_MIN_TTL):
            raise JsError(
                f"Error: KV PUT failed: 400 Invalid expiration_ttl of {ttl}. "
                f"Expiration TTL must be at least {KV_MIN_TTL}."
            )
        self.writes.append((key, ttl))
        self.entries[key] = (value, None if ttl is None else self.clock.now() + ttl)

    async def delete(self, key: str) -> None:
        _check_key(key, "DELETE")
        self.entries.pop(key, None)

    async def list(self, options: Any = None) -> JsObject:
        options = options_of(options, "KV list")
        prefix = field(options, "prefix", "") or ""
        limit = field(options, "limit", 1000)
        if not 1 <= limit <= 1000:
            raise JsError(f"Error: KV GET failed: 400 Invalid key_count_limit of {limit}.")
        cursor = field(options, "cursor")
        after = base64.b64decode(cursor).decode() if cursor else None
        names = sorted(k for k in list(self.entries) if k.startswith(prefix) and self._live(k))
        if after is not None:
            names = [k for k in names if k > after]
        page, rest = names[:limit], names[limit:]
        keys = JsArray(JsObject({"name": k}) for k in page)
        if rest:
            next_cursor = base64.b64encode(page[-1].encode()).decode()
            return JsObject({"keys": keys, "list_complete": False, "cursor": next_cursor})
        return JsObject({"keys": keys, "list_complete": True, "cacheStatus": JSNULL})


def _check_key(key: str, verb: str) -> None:
    size = len(key.encode())
    if size == 0:
        raise JsError(f"TypeError: KV {verb} failed: key names cannot be empty.")
    if size > KV_MAX_KEY_BYTES:
        raise JsError(
            f"Error: KV {verb} failed: 414 UTF-8 encoded length of {size} exceeds "
            f"key length limit of {KV_MAX_KEY_BYTES}."
        )


# -------------------------------------------------------------- Rate Limiting


class RateLimit:
    """A ``[[ratelimits]]`` binding: ``simple = { limit, period }``, period 10 or 60."""

    def __init__(self, limit: int, period: int, clock: FrozenClock) -> None:
        if period not in (10, 60):
            raise ValueError("a rate limit's period must be 10 or 60 seconds")
        self.limit_, self.period, self.clock = limit, period, clock
        self.counts: dict[tuple[str, int], int] = {}
        self.calls = 0

    async def limit(self, options: Any) -> JsObject:
        key = field(options_of(options, "limit"), "key")
        if not isinstance(key, str):
            raise JsError("TypeError: limit: key must be a string")
        self.calls += 1
        slot = (key, int(self.clock.now() // self.period))
        if self.counts.get(slot, 0) >= self.limit_:
            return JsObject({"success": False})
        self.counts[slot] = self.counts.get(slot, 0) + 1
        return JsObject({"success": True})
