"""The ``KeyValue`` contract: Workers KV's semantics, held by every adapter."""

from __future__ import annotations

import random

import pytest

from core.ports import KV_MIN_TTL


@pytest.fixture
def kv(keyvalue):
    return keyvalue.adapter


async def test_put_get_overwrite_delete(kv) -> None:
    assert await kv.get("session:1") is None
    await kv.put("session:1", "alice")
    assert await kv.get("session:1") == "alice"
    await kv.put("session:1", "bob")
    assert await kv.get("session:1") == "bob"
    await kv.delete("session:1")
    assert await kv.get("session:1") is None
    await kv.delete("session:1")  # deleting a missing key is fine


async def test_values_are_text_of_any_size(kv) -> None:
    value = "héllo ✓ 日本 🎉\n" + "x" * 200_000
    await kv.put("big", value)
    assert await kv.get("big") == value
    await kv.put("empty", "")
    assert await kv.get("empty") == ""


async def test_ttl_is_honoured(keyvalue) -> None:
    keyvalue.needs_clock()
    kv, clock = keyvalue.adapter, keyvalue.clock
    await kv.put("short", "v", ttl=KV_MIN_TTL)
    await kv.put("forever", "v")
    clock.advance(59)
    assert await kv.get("short") == "v"
    clock.advance(2)
    assert await kv.get("short") is None
    assert await kv.get("forever") == "v"
    assert (await kv.list()).keys == ["forever"]


async def test_a_ttl_under_the_minimum_counts_as_the_minimum(keyvalue) -> None:
    keyvalue.needs_clock()
    kv, clock = keyvalue.adapter, keyvalue.clock
    await kv.put("k", "v", ttl=10)
    clock.advance(11)
    assert await kv.get("k") == "v"
    assert (await kv.list()).keys == ["k"]
    clock.advance(KV_MIN_TTL - 10)
    assert await kv.get("k") is None
    assert (await kv.list()).keys == []


async def test_a_new_put_replaces_the_ttl(keyvalue) -> None:
    keyvalue.needs_clock()
    kv, clock = keyvalue.adapter, keyvalue.clock
    await kv.put("k", "old", ttl=60)
    await kv.put("k", "new")
    clock.advance(3600)
    assert await kv.get("k") == "new"


async def test_list_by_prefix_in_key_order(kv) -> None:
    keys = ["user:b", "user:a", "user:c", "user:aa", "users", "other:x", "use"]
    for key in keys:
        await kv.put(key, "1")
    page = await kv.list("user:")
    assert page.keys == ["user:a", "user:aa", "user:b", "user:c"]
    assert page.cursor is None
    assert (await kv.list()).keys == sorted(keys)
    assert (await kv.list("nothing:")).keys == []


async def test_list_pages_with_a_cursor(kv) -> None:
    keys = [f"page:{i:03d}" for i in range(25)]
    for key in random.sample(keys, len(keys)):
        await kv.put(key, "1")
    await kv.put("zzz", "outside the prefix")
    seen: list[str] = []
    cursor = None
    for _ in range(20):  # KV may hand back short (even empty) pages before the end
        page = await kv.list("page:", limit=10, cursor=cursor)
        assert len(page.keys) <= 10
        seen.extend(page.keys)
        cursor = page.cursor
        if cursor is None:
            break
    assert seen == keys
    assert cursor is None
