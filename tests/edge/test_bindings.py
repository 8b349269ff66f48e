"""The edge adapters' behaviour where Miniflare cannot be the binding: the counter on
a clock the test moves, a Rate Limiting binding that fails, the outside fetch and
deferred work. D1, KV and R2 edges are tested for real in tests/pyodide/tier_bindings.py."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from core.clock import FrozenClock
from core.ports import (
    HttpError,
)
from core.security.window import admits
from tests.edge import standin
from tests.edge.jsfakes import (
    JsError,
    JsObject,
    Uint8Array,
    make_interop,
    patched_interop,
)
from worker.bindings import (
    EdgeCounter,
    FetchHttpClient,
    KVKeyValue,
    WaitUntilDefer,
)


@pytest.fixture(autouse=True)
def fake_ffi() -> Iterator[None]:
    with patched_interop():
        yield


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(1_790_000_010.0)


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
