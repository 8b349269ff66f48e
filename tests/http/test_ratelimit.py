"""Rate limits over HTTP: the 101st request, concurrency, records and audit."""

from __future__ import annotations

import asyncio
import functools

import pytest

from core.app import create_app
from core.local import LocalRuntime
from tests.conftest import CLIENT_IP, REDIS_TEST_URL, make_client


async def test_the_101st_request_in_a_minute_is_refused(app, runtime, clock) -> None:
    async with make_client(app) as client:
        for i in range(100):
            response = await client.get("/api/health")
            assert response.status_code == 200, i
        assert response.headers["ratelimit"].startswith('"default";r=0;')
        refused = await client.get("/api/health")
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        retry = int(refused.headers["retry-after"])
        # No earlier than the end of the window the client filled.
        assert retry >= 60 - (clock.now() % 60)
        assert refused.headers["ratelimit-policy"] == '"default";q=100;w=60'
        assert refused.headers["ratelimit"] == f'"default";r=0;t={retry}'
        assert refused.headers["strict-transport-security"]
        for _ in range(2):
            assert (await client.get("/openapi.json")).status_code == 429

        async with make_client(app, ip="198.51.100.9") as other:
            assert (await other.get("/api/health")).status_code == 200

        clock.advance(retry)
        assert (await client.get("/api/health")).status_code == 200

    await runtime.defer.drain(5)
    records = await runtime.database.all("SELECT * FROM rate_limit_records")
    assert len(records) == 1
    record = records[0]
    assert record["endpoint"] == "default" and record["limit"] == 100
    assert record["rejected_count"] == 3 and record["request_count"] == 103
    assert CLIENT_IP not in str(record)
    audits = await runtime.database.all(
        "SELECT * FROM audit_log WHERE action = 'rate_limit.exceeded'"
    )
    assert len(audits) == 1  # the first refusal of the window, not every one
    assert audits[0]["status"] == "denied" and audits[0]["ip_hash"] == record["identifier"]


async def _admitted_of_500(app) -> int:
    # A path that is not there (404 once admitted): the counter is the only store
    # each request reaches, so a loaded machine does not queue the burst behind
    # the health check's own KV probes until Redis's pool times out.
    async with make_client(app) as client:
        responses = await asyncio.gather(*(client.get("/nothing-here") for _ in range(500)))
    codes = [r.status_code for r in responses]
    assert set(codes) <= {404, 429}
    return codes.count(404)


async def test_500_concurrent_requests_admit_exactly_the_limit_on_sqlite(app) -> None:
    assert await _admitted_of_500(app) == 100


@pytest.mark.redis
async def test_500_concurrent_requests_admit_exactly_the_limit_on_redis(
    settings, clock, monkeypatch
) -> None:
    # On a loaded machine a burst of 500 can wait past the 2 s Redis timeout, and the
    # limit then (rightly) falls back to the process's own counter: this test is
    # about the Lua script's atomicity, so it gives Redis all the time it needs.
    from core.adapters import kv_redis

    monkeypatch.setattr(kv_redis, "from_url", functools.partial(kv_redis.from_url, timeout=60))
    settings = settings.model_copy(update={"redis_url": REDIS_TEST_URL})
    runtime = LocalRuntime(settings, clock=clock, run_scheduler=False)
    await runtime.startup()
    try:
        app = create_app(settings, runtime)
        assert await _admitted_of_500(app) == 100
    finally:
        await runtime.shutdown()


async def test_client_ip_header_identifies_clients_when_configured(settings, clock) -> None:
    settings = settings.model_copy(update={"client_ip_header": "CF-Connecting-IP", "rate_limit": 2})
    runtime = LocalRuntime(settings, clock=clock, run_scheduler=False)
    await runtime.startup()
    try:
        app = create_app(settings, runtime)
        async with make_client(app) as client:
            a = {"cf-connecting-ip": "192.0.2.1"}
            b = {"cf-connecting-ip": "192.0.2.2, 10.0.0.1"}
            assert [(await client.get("/api/health", headers=a)).status_code for _ in range(3)] == [
                200,
                200,
                429,
            ]
            assert (await client.get("/api/health", headers=b)).status_code == 200
    finally:
        await runtime.shutdown()
