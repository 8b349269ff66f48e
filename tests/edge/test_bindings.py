"""The edge adapters' own behaviour, beyond the contract suites: what each does to
meet a binding's sharp edges, checked against the stand-ins."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from core.clock import FrozenClock
from core.ports import (
    Conditions,
    D1LimitError,
    DatabaseError,
    HttpError,
    IntegrityError,
)
from core.security.window import admits
from tests.edge import standin
from tests.edge.jsfakes import (
    JSNULL,
    JsArray,
    JsError,
    JsObject,
    Uint8Array,
    make_interop,
    patched_interop,
)
from worker.bindings import (
    D1Database,
    EdgeCounter,
    FetchHttpClient,
    KVKeyValue,
    R2BlobStore,
    WaitUntilDefer,
)


@pytest.fixture(autouse=True)
def fake_ffi() -> Iterator[None]:
    with patched_interop():
        yield


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(1_790_000_010.0)


# ---------------------------------------------------------------------------- KV


async def test_a_ttl_under_60_is_raised_to_60_where_kv_would_refuse_it(clock) -> None:
    namespace = standin.KVNamespace(clock)
    with pytest.raises(
        JsError, match=r"Invalid expiration_ttl of 5\. Expiration TTL must be at least 60\."
    ):
        await namespace.put("k", "v", JsObject({"expirationTtl": 5}))

    kv = KVKeyValue(namespace)
    await kv.put("k", "v", ttl=5)
    assert namespace.writes == [("k", 60)]
    clock.advance(59)
    assert await kv.get("k") == "v"
    clock.advance(1)
    assert await kv.get("k") is None


async def test_kv_options_reach_the_binding_as_a_js_object(clock) -> None:
    namespace = standin.KVNamespace(clock)
    with pytest.raises(JsError, match="plain JS object"):  # a dict would lose its keys
        await namespace.put("k", "v", {"expirationTtl": 120})
    await KVKeyValue(namespace).put("k", "v", ttl=120)
    assert namespace.writes == [("k", 120)]


# ---------------------------------------------------------------------------- D1


@pytest.fixture
def d1(tmp_path) -> Iterator[standin.D1Database]:
    db = standin.D1Database(tmp_path / "d1.sqlite")
    yield db
    db.conn.close()


async def test_none_reaches_d1_as_null_not_undefined(d1) -> None:
    with pytest.raises(JsError, match="D1_TYPE_ERROR: Type 'undefined'"):
        d1.prepare("SELECT ?").bind(None)
    db = D1Database(d1)
    await db.run("CREATE TABLE t (v)")
    await db.run("INSERT INTO t (v) VALUES (?)", None)
    assert d1.executed[-1] == ("INSERT INTO t (v) VALUES (?)", (None,))
    assert await db.first("SELECT v, v IS NULL AS is_null FROM t") == {"v": None, "is_null": 1}


async def test_bytes_go_in_as_a_uint8array_and_come_back_as_bytes(d1) -> None:
    db = D1Database(d1)
    await db.run("CREATE TABLE t (v BLOB)")
    await db.run("INSERT INTO t (v) VALUES (?)", b"\x00\xff")
    assert await db.first("SELECT v, typeof(v) AS type FROM t") == {
        "v": b"\x00\xff",
        "type": "blob",
    }


async def test_d1_errors_map_to_the_port_errors(d1) -> None:
    db = D1Database(d1)
    await db.run("CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL)")
    await db.run("INSERT INTO t (email) VALUES ('a')")
    with pytest.raises(IntegrityError, match="D1_ERROR: UNIQUE constraint failed"):
        await db.run("INSERT INTO t (email) VALUES ('a')")
    with pytest.raises(IntegrityError, match="NOT NULL constraint failed"):
        await db.run("INSERT INTO t (email) VALUES (NULL)")
    with pytest.raises(DatabaseError, match="no such table") as raised:
        await db.all("SELECT * FROM nowhere")
    assert not isinstance(raised.value, IntegrityError)


async def test_limits_are_checked_before_anything_reaches_d1(d1) -> None:
    db = D1Database(d1)
    with pytest.raises(D1LimitError, match="101 parameters; D1 allows at most 100"):
        await db.first("SELECT " + " + ".join("?" * 101), *range(101))
    with pytest.raises(D1LimitError, match="beyond"):
        await db.run("SELECT ?", 2**53)  # D1's API takes JS numbers, not BigInt
    assert d1.executed == []
    # What D1 itself answers to the 101st parameter, had the adapter let it through:
    statement = d1.prepare("SELECT " + " + ".join("?" * 101)).bind(*range(101))
    with pytest.raises(JsError, match="too many SQL variables"):
        await statement.all()


# ---------------------------------------------------------------------------- R2


async def test_a_missing_object_is_none(clock) -> None:
    bucket = standin.R2Bucket(clock)
    assert await bucket.get("nope") is JSNULL
    blobs = R2BlobStore(bucket)
    assert await blobs.get("nope") is None
    assert await blobs.head("nope") is None
    assert await blobs.get("nope", conditions=Conditions(if_none_match="*")) is None


async def test_a_failed_only_if_gives_metadata_without_a_body(clock) -> None:
    bucket = standin.R2Bucket(clock)
    blobs = R2BlobStore(bucket)
    meta = await blobs.put("k", b"data", content_type="text/plain", metadata={"a": "1"})
    found = await bucket.get("k", JsObject({"onlyIf": JsObject({"etagDoesNotMatch": meta.etag})}))
    assert not hasattr(found, "body")
    blob = await blobs.get("k", conditions=Conditions(if_none_match=f'W/"{meta.etag}", "other"'))
    assert blob is not None and blob.body is None and blob.meta == meta


async def test_a_body_is_streamed_in_chunks_and_read_once(clock) -> None:
    blobs = R2BlobStore(standin.R2Bucket(clock))
    data = bytes(range(256)) * 40
    await blobs.put("k", data, content_type="application/octet-stream")
    blob = await blobs.get("k")
    assert blob is not None and blob.body is not None
    chunks = [chunk async for chunk in blob.body]
    assert len(chunks) == 3 and b"".join(chunks) == data
    assert await blob.read() == b""  # the stream is spent, as a JS body is


async def test_many_keys_are_deleted_in_batches_of_a_thousand(clock) -> None:
    bucket = standin.R2Bucket(clock)
    blobs = R2BlobStore(bucket)
    for i in range(1001):
        await bucket.put(f"k{i}", Uint8Array(b"x"), JsObject())
    with pytest.raises(JsError, match="at most 1000"):
        await bucket.delete(JsArray(bucket.objects))
    await blobs.delete([f"k{i}" for i in range(1001)])
    assert bucket.objects == {}


# ----------------------------------------------------------------------- counter


async def test_the_rate_limiting_binding_decides_where_it_matches(clock) -> None:
    binding = standin.RateLimit(5, 60, clock)
    namespace = standin.KVNamespace(clock)
    counter = EdgeCounter(KVKeyValue(namespace), {(5, 60): binding})
    now = clock.now()
    results = [await counter.hit("ip", limit=5, window=60, now=now) for _ in range(6)]
    assert [r.allowed for r in results] == [True] * 5 + [False]
    assert [r.current for r in results[:5]] == [1, 2, 3, 4, 5]
    assert all(not r.exact for r in results)
    assert binding.calls == 6
    assert namespace.writes == []  # the binding's policy never touches KV
    # Other policies fall back to the KV window.
    other = await counter.hit("ip", limit=100, window=60, now=now)
    assert other.allowed and namespace.writes == [("rl:60:29833333:ip", 120)]


async def test_a_refusal_reports_the_window_full_even_if_this_isolate_saw_little(clock) -> None:
    binding = standin.RateLimit(3, 60, clock)
    for _ in range(3):  # spent by other isolates
        await binding.limit(JsObject({"key": "ip"}))
    counter = EdgeCounter(KVKeyValue(standin.KVNamespace(clock)), {(3, 60): binding})
    result = await counter.hit("ip", limit=3, window=60, now=clock.now())
    assert not result.allowed and result.current == 3
    assert not admits(result.previous, result.current, clock.now(), 60, 3)


@pytest.mark.planted_error
async def test_a_failing_binding_falls_back_to_kv(clock, caplog) -> None:
    class Broken:
        async def limit(self, options):
            raise JsError("Error: internal")

    namespace = standin.KVNamespace(clock)
    counter = EdgeCounter(KVKeyValue(namespace), {(5, 60): Broken()})
    with caplog.at_level(logging.WARNING):
        result = await counter.hit("ip", limit=5, window=60, now=clock.now())
    assert result.allowed and len(namespace.writes) == 1
    assert "rate limiting binding failed" in caplog.text


async def test_counts_carry_between_isolates_through_kv(clock) -> None:
    namespace = standin.KVNamespace(clock)
    first, second = EdgeCounter(KVKeyValue(namespace)), EdgeCounter(KVKeyValue(namespace))
    for _ in range(3):
        await first.hit("ip", limit=4, window=60, now=clock.now())
    result = await second.hit("ip", limit=4, window=60, now=clock.now())
    assert (result.allowed, result.current) == (True, 4)
    assert not (await first.hit("ip", limit=4, window=60, now=clock.now())).allowed


# --------------------------------------------------------------- fetch and defer


class _Response:
    status = 201
    headers = (("Content-Type", "application/json"), ("X-RateLimit-Remaining", "59"))

    async def arrayBuffer(self):
        return Uint8Array(b'{"ok": true}')


async def test_fetch_sends_a_js_init_and_reads_the_response() -> None:
    ffi = make_interop()
    seen = {}

    async def fetch(url, init):
        seen.update(url=url, init=init)
        return _Response()

    ffi.js.fetch = fetch
    with patched_interop(ffi):
        response = await FetchHttpClient().request(
            "post", "https://api.github.com/x", headers={"Accept": "a"}, body=b"hi", timeout=2.5
        )
    assert (response.status, response.json()) == (201, {"ok": True})
    assert response.headers == {"content-type": "application/json", "x-ratelimit-remaining": "59"}
    init = seen["init"].to_py()
    assert (init["method"], init["redirect"], init["headers"]) == (
        "POST",
        "manual",
        {"Accept": "a"},
    )
    assert init["signal"].timeout_ms == 2500 and init["body"].to_bytes() == b"hi"


async def test_fetch_failures_are_http_errors() -> None:
    ffi = make_interop()

    async def fetch(url, init):
        raise JsError("TimeoutError: The operation was aborted due to timeout")

    ffi.js.fetch = fetch
    with patched_interop(ffi), pytest.raises(HttpError, match="aborted due to timeout"):
        await FetchHttpClient().request("GET", "https://example.com")


@pytest.mark.planted_error
async def test_deferred_work_goes_to_wait_until_and_failures_are_logged(caplog) -> None:
    waited = []

    class Ctx:
        def waitUntil(self, promise):
            waited.append(promise)

    async def boom() -> None:
        raise RuntimeError("late failure")

    defer = WaitUntilDefer(Ctx())
    with caplog.at_level(logging.ERROR):
        defer(boom())
        await waited[0]
    assert "deferred work failed" in caplog.text
