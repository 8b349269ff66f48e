"""``KeyValue`` and ``Counter`` on Redis, for local installs that set ``REDIS_URL``."""

from __future__ import annotations

import re
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError

from core.ports import KV_MIN_TTL, KeyPage, WindowCount
from core.security.window import elapsed_fraction, window_index

# KV refuses longer keys and longer list pages; keep local code inside the same limits.
MAX_KEY_BYTES = 512
MAX_LIST_LIMIT = 1000

# KEYS: the previous and the current fixed window of one key.
# ARGV: weight of the previous window (1 - elapsed fraction), limit, cost, ttl.
# The sum is computed in the same order as core.security.window.admits, in
# doubles on both sides, so Redis and Python agree to the last bit.
# The answer is one status line, "allowed previous current": a client parses one
# line instead of an array of three (redis-py's parser is Python, line by line).
_HIT_SCRIPT = """
local previous = tonumber(redis.call('GET', KEYS[1]) or '0')
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
local cost = tonumber(ARGV[3])
local allowed = 0
if previous * tonumber(ARGV[1]) + current + cost <= tonumber(ARGV[2]) then
    current = redis.call('INCRBY', KEYS[2], cost)
    redis.call('EXPIRE', KEYS[2], ARGV[4])
    allowed = 1
end
return redis.status_reply(string.format('%d %d %d', allowed, previous, current))
"""

_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


class QueueingPool(aioredis.BlockingConnectionPool):
    """redis-py's blocking pool, with its common case cheap: an idle connection is
    taken at once. The blocking pool otherwise takes a Condition, starts a timeout
    and records wait metrics on every command, which made one rate-limit decision
    cost 1.2-1.35x the ``limits`` library's on its plain pool
    (``scripts/bench_pipeline.py``). With none idle, the blocking pool's own path:
    a new connection up to ``max_connections``, else a bounded wait for one.
    Reads the pool's private fields: ``tests/adapters/test_kv_redis.py`` pins the
    redis-py version it was written against."""

    async def get_connection(self, command_name: Any = None, *keys: Any, **options: Any) -> Any:
        if self._available_connections and not self._in_maintenance:
            connection = self._available_connections.pop()
            self._in_use_connections.add(connection)
            try:
                await self.ensure_connection(connection)
            except BaseException:
                await self.release(connection)
                raise
            return connection
        return await super().get_connection()  # type: ignore[no-untyped-call]


def from_url(url: str, *, timeout: float = 2.0, max_connections: int = 50) -> aioredis.Redis:
    """A Redis client whose every call, including the wait for a pooled connection, times out."""
    # A blocking pool queues callers for a free connection (up to ``timeout``)
    # where the default pool fails at once when a burst exceeds its size.
    pool = QueueingPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        health_check_interval=30,
        decode_responses=True,
    )
    return aioredis.Redis.from_pool(pool)  # the client owns the pool: aclose() closes both


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisKeyValue:
    """``KeyValue`` on Redis; expiry runs on the server's clock."""

    def __init__(self, client: aioredis.Redis, prefix: str = "ce:kv:") -> None:
        self._client = client
        self._prefix = prefix

    async def get(self, key: str) -> str | None:
        value = await self._client.get(self._prefix + key)
        return None if value is None else _text(value)

    async def put(self, key: str, value: str, *, ttl: int | None = None) -> None:
        if not key or len(key.encode()) > MAX_KEY_BYTES:
            raise ValueError(f"KV keys are 1 to {MAX_KEY_BYTES} bytes long")
        if not isinstance(value, str):
            raise TypeError("KV values are text")
        ex = None if ttl is None else max(ttl, KV_MIN_TTL)
        await self._client.set(self._prefix + key, value, ex=ex)

    async def delete(self, key: str) -> None:
        await self._client.delete(self._prefix + key)

    async def list(
        self, prefix: str = "", *, limit: int = 1000, cursor: str | None = None
    ) -> KeyPage:
        """Keys starting with ``prefix`` in key order; ``cursor`` is opaque to callers.

        SCAN walks the whole keyspace and the page is sorted here: fine for the
        few thousand keys KV holds locally, not for a big shared Redis.
        """
        limit = max(1, min(limit, MAX_LIST_LIMIT))
        pattern = _GLOB_SPECIAL.sub(r"\\\1", self._prefix + prefix) + "*"
        skip = len(self._prefix)
        keys = sorted(
            [_text(name)[skip:] async for name in self._client.scan_iter(match=pattern, count=1000)]
        )
        if cursor is not None:
            # The cursor is the last key of the previous page: continue after it.
            keys = [key for key in keys if key > cursor]
        if len(keys) > limit:
            return KeyPage(keys[:limit], keys[limit - 1])
        return KeyPage(keys, None)


class RedisCounter:
    """``Counter`` on Redis: one Lua script reads, decides and increments atomically."""

    def __init__(self, client: aioredis.Redis, prefix: str = "ce:rl:") -> None:
        self._prefix = prefix
        self._client = client
        # EVALSHA straight, one round trip; the script is loaded again only when
        # the server has lost it (a restart, SCRIPT FLUSH).
        self._sha = client.register_script(_HIT_SCRIPT).sha

    async def hit(
        self, key: str, *, limit: int, window: int, now: float, cost: int = 1
    ) -> WindowCount:
        if window <= 0 or cost < 0:
            raise ValueError("window must be positive and cost not negative")
        idx = window_index(now, window)
        weight = 1.0 - elapsed_fraction(now, window)
        # The braces are a hash tag: both windows of a key land on one cluster slot.
        base = f"{self._prefix}{{{key}}}:{window}:"
        args = (f"{base}{idx - 1}", f"{base}{idx}", repr(weight), limit, cost, 2 * window)
        try:
            answer = await self._client.evalsha(self._sha, 2, *args)
        except NoScriptError:
            self._sha = await self._client.script_load(_HIT_SCRIPT)
            answer = await self._client.evalsha(self._sha, 2, *args)
        allowed, previous, current = _text(answer).split()
        return WindowCount(allowed=allowed == "1", previous=int(previous), current=int(current))
