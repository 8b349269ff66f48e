"""Local adapter cases for the contract suites: SQLite, Redis and a folder."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from core.adapters.blobs_fs import FolderBlobStore
from core.adapters.kv_redis import RedisCounter, RedisKeyValue, from_url
from core.adapters.kv_sqlite import SQLiteCounter, SQLiteKeyValue
from core.adapters.sqlite import SQLiteDatabase
from core.clock import FrozenClock
from core.security.memory_counter import MemoryCounter
from tests.contract.registry import AdapterCase

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


@asynccontextmanager
async def redis_client(prefix: str):
    """A client on the test database; deletes every key under ``prefix`` on exit (never FLUSHDB)."""
    client = from_url(REDIS_TEST_URL)
    try:
        await client.ping()
    except Exception as exc:  # no server: the case is skipped, not failed
        await client.aclose()
        pytest.skip(f"no Redis at {REDIS_TEST_URL}: {exc}")
    try:
        yield client
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()


def unique_prefix(kind: str) -> str:
    return f"test:{uuid.uuid4().hex}:{kind}:"


@asynccontextmanager
async def sqlite_database(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[SQLiteDatabase]:
    database = SQLiteDatabase(tmp_path / "d1.sqlite3")
    try:
        yield database
    finally:
        await database.close()


@asynccontextmanager
async def sqlite_keyvalue(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[SQLiteKeyValue]:
    kv = SQLiteKeyValue(tmp_path / "kv.sqlite3", clock)
    try:
        yield kv
    finally:
        await kv.close()


@asynccontextmanager
async def sqlite_counter(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[SQLiteCounter]:
    counter = SQLiteCounter(tmp_path / "kv.sqlite3")
    try:
        yield counter
    finally:
        await counter.close()


@asynccontextmanager
async def memory_counter(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[MemoryCounter]:
    yield MemoryCounter()


@asynccontextmanager
async def redis_keyvalue(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[RedisKeyValue]:
    prefix = unique_prefix("kv")
    async with redis_client(prefix) as client:
        yield RedisKeyValue(client, prefix=prefix)


@asynccontextmanager
async def redis_counter(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[RedisCounter]:
    prefix = unique_prefix("rl")
    async with redis_client(prefix) as client:
        yield RedisCounter(client, prefix=prefix)


@asynccontextmanager
async def folder_blobstore(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[FolderBlobStore]:
    yield FolderBlobStore(tmp_path / "blobs")


_REDIS = (pytest.mark.redis,)

CASES: dict[str, list[AdapterCase]] = {
    "database": [AdapterCase("sqlite", sqlite_database)],
    "keyvalue": [
        AdapterCase("sqlite", sqlite_keyvalue),
        AdapterCase("redis", redis_keyvalue, clock_driven=False, marks=_REDIS),
    ],
    "counter": [
        AdapterCase("sqlite", sqlite_counter),
        AdapterCase("memory", memory_counter),
        AdapterCase("redis", redis_counter, clock_driven=False, marks=_REDIS),
    ],
    "blobstore": [AdapterCase("folder", folder_blobstore)],
}
