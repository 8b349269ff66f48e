"""What only the SQLite KV and counter promise: a shared file, purging, other processes."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest

from core.adapters.kv_sqlite import SQLiteCounter, SQLiteKeyValue, _prefix_end
from core.clock import FrozenClock

NOW = 1_790_000_040.0


def _hammer(path: str, hits: int) -> int:
    """Runs in another process: how many of ``hits`` the shared counter admitted."""

    async def run() -> int:
        counter = SQLiteCounter(path)
        admitted = 0
        for _ in range(hits):
            admitted += (await counter.hit("shared", limit=150, window=60, now=NOW)).allowed
        await counter.close()
        return admitted

    return asyncio.run(run())


def test_the_counter_is_exact_across_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "kv.sqlite3")
    with ProcessPoolExecutor(max_workers=4, mp_context=get_context("spawn")) as pool:
        admitted = list(pool.map(_hammer, [path] * 4, [100] * 4))
    assert sum(admitted) == 150
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT sum(cur) FROM rate_counters").fetchone()[0] == 150
    finally:
        conn.close()


async def test_old_windows_are_deleted(tmp_path: Path) -> None:
    counter = SQLiteCounter(tmp_path / "kv.sqlite3")
    for key in ("a", "b", "c"):
        await counter.hit(key, limit=5, window=60, now=NOW)
    await counter.hit("a", limit=5, window=60, now=NOW + 3 * 60)
    conn = sqlite3.connect(tmp_path / "kv.sqlite3")
    try:
        rows = conn.execute("SELECT key FROM rate_counters").fetchall()
    finally:
        conn.close()
    await counter.close()
    assert rows == [("a",)]


async def test_expired_keys_are_purged_from_the_file(tmp_path: Path) -> None:
    clock = FrozenClock(NOW)
    kv = SQLiteKeyValue(tmp_path / "kv.sqlite3", clock)
    await kv.put("old", "v", ttl=60)
    clock.advance(120)
    await kv.put("new", "v")
    conn = sqlite3.connect(tmp_path / "kv.sqlite3")
    try:
        assert conn.execute("SELECT key FROM kv").fetchall() == [("new",)]
    finally:
        conn.close()
    await kv.close()


async def test_two_instances_on_one_file_see_each_other(tmp_path: Path) -> None:
    clock = FrozenClock(NOW)
    one = SQLiteKeyValue(tmp_path / "kv.sqlite3", clock)
    two = SQLiteKeyValue(tmp_path / "kv.sqlite3", clock)
    await one.put("k", "from one")
    assert await two.get("k") == "from one"
    await one.close()
    await two.close()


async def test_keys_follow_kv_limits(tmp_path: Path) -> None:
    kv = SQLiteKeyValue(tmp_path / "kv.sqlite3", FrozenClock(NOW))
    with pytest.raises(ValueError, match="512"):
        await kv.put("k" * 513, "v")
    with pytest.raises(ValueError):
        await kv.put("", "v")
    await kv.close()


async def test_prefixes_at_the_top_of_unicode(tmp_path: Path) -> None:
    kv = SQLiteKeyValue(tmp_path / "kv.sqlite3", FrozenClock(NOW))
    for key in ("a\U0010ffff", "a\U0010ffffz", "b", "\ud7ffx", "\ue000"):
        await kv.put(key, "v")
    assert (await kv.list("a\U0010ffff")).keys == ["a\U0010ffff", "a\U0010ffffz"]
    assert (await kv.list("\ud7ff")).keys == ["\ud7ffx"]
    await kv.close()


def test_prefix_end() -> None:
    assert _prefix_end("") is None
    assert _prefix_end("ab") == "ac"
    assert _prefix_end("a\U0010ffff") == "b"
    assert _prefix_end("\ud7ff") == "\ue000"
