"""What only the Redis KV and counter promise: expiry on the server, many clients, timeouts."""

from __future__ import annotations

import asyncio

import pytest
import redis.exceptions

from core.adapters.kv_redis import RedisCounter, RedisKeyValue, from_url
from tests.contract.local_factories import REDIS_TEST_URL, redis_client, unique_prefix

pytestmark = pytest.mark.redis


async def test_the_counter_is_exact_across_several_clients() -> None:
    prefix = unique_prefix("rl")
    async with redis_client(prefix):
        clients = [from_url(REDIS_TEST_URL) for _ in range(5)]
        counters = [RedisCounter(client, prefix=prefix) for client in clients]
        results = await asyncio.gather(
            *(
                counters[i % 5].hit("shared", limit=120, window=60, now=1_790_000_040.0)
                for i in range(600)
            )
        )
        for client in clients:
            await client.aclose()
    assert sum(r.allowed for r in results) == 120


async def test_put_sets_a_server_expiry_of_at_least_the_minimum() -> None:
    prefix = unique_prefix("kv")
    async with redis_client(prefix) as client:
        kv = RedisKeyValue(client, prefix=prefix)
        await kv.put("short", "v", ttl=10)
        await kv.put("long", "v", ttl=3600)
        await kv.put("forever", "v")
        assert 55 < await client.ttl(prefix + "short") <= 60
        assert 3500 < await client.ttl(prefix + "long") <= 3600
        assert await client.ttl(prefix + "forever") == -1


async def test_counter_windows_expire_on_the_server() -> None:
    prefix = unique_prefix("rl")
    async with redis_client(prefix) as client:
        await RedisCounter(client, prefix=prefix).hit("k", limit=5, window=30, now=1_790_000_040.0)
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        assert len(keys) == 1
        assert 55 < await client.ttl(keys[0]) <= 60


async def test_list_treats_glob_characters_in_the_prefix_literally() -> None:
    prefix = unique_prefix("kv")
    async with redis_client(prefix) as client:
        kv = RedisKeyValue(client, prefix=prefix)
        for key in ("a*b", "a*c", "axb", "a[1]", "a?"):
            await kv.put(key, "v")
        assert (await kv.list("a*")).keys == ["a*b", "a*c"]
        assert (await kv.list("a[")).keys == ["a[1]"]
        assert (await kv.list("a?")).keys == ["a?"]


async def test_unreachable_redis_fails_fast() -> None:
    client = from_url("redis://127.0.0.1:1/0", timeout=0.5)
    try:
        with pytest.raises(redis.exceptions.ConnectionError):
            await asyncio.wait_for(RedisKeyValue(client).get("k"), timeout=5)
    finally:
        await client.aclose()


async def test_the_counter_loads_its_script_again_when_the_server_lost_it() -> None:
    prefix = unique_prefix("rl")
    async with redis_client(prefix) as client:
        counter = RedisCounter(client, prefix=prefix)
        first = await counter.hit("k", limit=2, window=60, now=1_790_000_040.0)
        counter._sha = "0" * 40  # as after a restart or SCRIPT FLUSH: unknown to the server
        second = await counter.hit("k", limit=2, window=60, now=1_790_000_041.0)
        third = await counter.hit("k", limit=2, window=60, now=1_790_000_042.0)
    assert (first.allowed, second.allowed, third.allowed) == (True, True, False)
    assert counter._sha != "0" * 40 and third.current == 2


def test_the_queueing_pool_was_written_against_this_redis_py() -> None:
    """``QueueingPool`` reads the blocking pool's private fields: a new redis-py pin
    re-reads them (``_available_connections``, ``_in_use_connections``,
    ``_in_maintenance``, ``ensure_connection``, ``release``)."""
    from importlib.metadata import version

    assert version("redis") == "8.1.0"


async def test_the_pool_queues_a_burst_beyond_its_connections() -> None:
    prefix = unique_prefix("rl")
    client = from_url(REDIS_TEST_URL, max_connections=2)
    try:
        counter = RedisCounter(client, prefix=prefix)
        results = await asyncio.gather(
            *(counter.hit("burst", limit=30, window=60, now=1_790_000_040.0) for _ in range(40))
        )
        pool = client.connection_pool
        assert len(pool._in_use_connections) == 0
        assert len(pool._available_connections) <= 2
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
    assert sum(r.allowed for r in results) == 30
