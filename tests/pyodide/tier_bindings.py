"""The edge adapters' own behaviour at each binding's sharp edges, against
Miniflare's real D1, KV and R2: what the binding refuses, and that the adapter
never sends it that. (What needs a clock the test moves, a binding failing on
demand, or the outside fetch stays with the stand-ins: tests/edge/test_bindings.py.)"""

from __future__ import annotations

import asyncio
import time

import _tier  # type: ignore[import-not-found]
import js  # type: ignore[import-not-found]
import pytest
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from core.ports import Conditions, D1LimitError, DatabaseError, IntegrityError
from worker.bindings import D1Database, KVKeyValue, R2BlobStore


def js_object(**fields):
    return to_js(fields, dict_converter=js.Object.fromEntries)


@pytest.fixture(autouse=True)
async def empty() -> None:
    await _tier.reset()


async def expiration_of(key: str) -> float:
    page = await _tier.env.KV.list(js_object(prefix=key))
    [entry] = page.keys
    return float(entry.expiration)


# ---------------------------------------------------------------------------- KV


async def test_a_ttl_under_60_is_raised_to_60_where_kv_would_refuse_it() -> None:
    with pytest.raises(Exception, match="60"):
        await _tier.env.KV.put("k", "v", js_object(expirationTtl=5))
    await KVKeyValue(_tier.env.KV).put("k", "v", ttl=5)
    assert await KVKeyValue(_tier.env.KV).get("k") == "v"
    assert abs(await expiration_of("k") - (time.time() + 60)) < 5


async def test_kv_options_reach_the_binding_as_a_js_object() -> None:
    await KVKeyValue(_tier.env.KV).put("k", "v", ttl=120)
    assert abs(await expiration_of("k") - (time.time() + 120)) < 5


# ---------------------------------------------------------------------------- D1


@pytest.fixture
def db() -> D1Database:
    return D1Database(_tier.env.DB)


async def test_none_reaches_d1_as_null_not_undefined(db) -> None:
    with pytest.raises(Exception, match="D1_TYPE_ERROR: Type 'undefined'"):
        await _tier.env.DB.prepare("SELECT ?").bind(None).first()
    await db.run("CREATE TABLE t (v)")
    await db.run("INSERT INTO t (v) VALUES (?)", None)
    assert await db.first("SELECT v, v IS NULL AS is_null FROM t") == {"v": None, "is_null": 1}


async def test_bytes_go_in_as_a_blob_and_come_back_as_bytes(db) -> None:
    await db.run("CREATE TABLE t (v BLOB)")
    await db.run("INSERT INTO t (v) VALUES (?)", b"\x00\xff")
    assert await db.first("SELECT v, typeof(v) AS type FROM t") == {
        "v": b"\x00\xff",
        "type": "blob",
    }


async def test_d1_errors_map_to_the_port_errors(db) -> None:
    await db.run("CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL)")
    await db.run("INSERT INTO t (email) VALUES ('a')")
    with pytest.raises(IntegrityError, match="UNIQUE constraint failed"):
        await db.run("INSERT INTO t (email) VALUES ('a')")
    with pytest.raises(IntegrityError, match="NOT NULL constraint failed"):
        await db.run("INSERT INTO t (email) VALUES (NULL)")
    with pytest.raises(DatabaseError, match="no such table") as raised:
        await db.all("SELECT * FROM nowhere")
    assert not isinstance(raised.value, IntegrityError)


async def test_limits_are_checked_before_anything_reaches_d1(db) -> None:
    sql = "SELECT " + ", ".join("?" * 101)
    with pytest.raises(D1LimitError, match="101 parameters; D1 allows at most 100"):
        await db.first(sql, *range(101))
    with pytest.raises(D1LimitError, match="beyond"):
        await db.run("SELECT ?", 2**53)
    # What D1 itself answers to the 101st parameter, had the adapter let it through:
    with pytest.raises(Exception, match="too many SQL variables"):
        await _tier.env.DB.prepare(sql).bind(*range(101)).all()


# ---------------------------------------------------------------------------- R2


@pytest.fixture
def blobs() -> R2BlobStore:
    return R2BlobStore(_tier.env.BUCKET)


async def test_a_missing_object_is_none(blobs) -> None:
    assert await blobs.get("nope") is None
    assert await blobs.head("nope") is None
    assert await blobs.get("nope", conditions=Conditions(if_none_match="*")) is None


async def test_a_failed_only_if_gives_metadata_without_a_body(blobs) -> None:
    meta = await blobs.put("k", b"data", content_type="text/plain", metadata={"a": "1"})
    found = await _tier.env.BUCKET.get("k", js_object(onlyIf=js_object(etagDoesNotMatch=meta.etag)))
    assert not hasattr(found, "body")
    blob = await blobs.get("k", conditions=Conditions(if_none_match=f'W/"{meta.etag}", "other"'))
    assert blob is not None and blob.body is None and blob.meta == meta


async def test_a_body_is_streamed_and_read_once(blobs) -> None:
    data = bytes(range(256)) * 4000  # 1 MB: more than one chunk
    await blobs.put("k", data, content_type="application/octet-stream")
    blob = await blobs.get("k")
    assert blob is not None and blob.body is not None
    chunks = [chunk async for chunk in blob.body]
    assert len(chunks) > 1 and b"".join(chunks) == data
    assert await blob.read() == b""  # the stream is spent, as a JS body is


async def test_many_keys_are_deleted_in_batches_of_a_thousand() -> None:
    # R2 takes at most 1000 keys a delete; Miniflare does not enforce it, so the
    # batches are counted on their way to the real binding.
    class Counting:
        def __init__(self, bucket):
            self.bucket, self.batches = bucket, []

        def __getattr__(self, name):
            return getattr(self.bucket, name)

        async def delete(self, keys):
            self.batches.append(1 if isinstance(keys, str) else len(keys))
            return await self.bucket.delete(keys)

    counting = Counting(_tier.env.BUCKET)
    blobs = R2BlobStore(counting)
    keys = [f"k{i}" for i in range(1001)]
    await asyncio.gather(*(blobs.put(k, b"x", content_type="text/plain") for k in keys))
    await blobs.delete(keys)
    assert counting.batches == [1000, 1]
    assert (await blobs.list()).items == []
