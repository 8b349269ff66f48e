"""A dependency down degrades the product instead of failing it (issue 16, point 6).

The Redis here is one this test starts on a spare port and stops under the
running server; the shared server on 6379 is never touched."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.clock import FrozenClock
from core.ports import WindowCount
from core.resilience import RETRY_AFTER, FallbackCounter, MemoryCounter, TolerantKeyValue
from tests.served import free_port, served, sign_up

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server")


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield port, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def test_with_redis_stopped_requests_are_served_and_health_says_so(
    tmp_path: Path, own_redis
) -> None:
    port, redis_process = own_redis
    with (
        served(
            tmp_path, REDIS_URL=f"redis://127.0.0.1:{port}/0", CREATOR_EDGE_RATE_LIMIT="40"
        ) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as client,
    ):
        assert client.get("/api/health").json()["down"] == []
        signed = sign_up(client, "redisless")
        auth = signed["auth"]

        redis_process.terminate()
        redis_process.wait(timeout=10)

        statuses = []
        health = client.get("/api/health")
        statuses.append(health.status_code)
        body = health.json()
        assert body["status"] == "degraded"
        assert {"kv", "rate_limit_counter"} <= set(body["down"])
        assert body["dependencies"]["kv"]["status"] == "down"
        assert body["dependencies"]["database"]["status"] == "ok"
        me = client.get("/api/me", headers=auth)
        assert me.status_code == 200  # the session is read from the database
        statuses.append(me.status_code)
        login = client.post(
            "/api/auth/login", json={"username": "redisless", "password": "correct horse battery"}
        )
        statuses.append(login.status_code)
        assert login.status_code == 200
        refreshed = client.post(
            "/api/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}
        )
        statuses.append(refreshed.status_code)
        profile = client.post(
            "/api/profiles", headers=auth, json={"slug": "no-redis", "display_name": "N"}
        )
        statuses.append(profile.status_code)
        statuses.append(client.get("/p/no-redis").status_code)
        logout = client.post("/api/auth/logout", headers=auth)
        statuses.append(logout.status_code)
        assert client.get("/api/me", headers=auth).status_code == 401  # revoked stays revoked
        # The rate limit still holds, counted in the server's own process.
        statuses.extend(client.get("/api/health").status_code for _ in range(45))
        assert 500 not in statuses
        assert 429 in statuses
        assert all(s < 500 for s in statuses), statuses
    assert "Traceback" not in server.log()


class Down:
    """A dependency that fails every call, as a stopped Redis does."""

    calls = 0

    def __getattr__(self, name: str):
        async def fail(*args, **kwargs):
            Down.calls += 1
            raise ConnectionError("down")

        return fail


async def test_the_counter_falls_back_and_comes_back() -> None:
    clock = FrozenClock()
    counter = FallbackCounter(Down(), clock)  # type: ignore[arg-type]
    hits = [await counter.hit("k", limit=2, window=60, now=clock.now()) for _ in range(3)]
    assert [h.allowed for h in hits] == [True, True, False]
    assert counter.outage.status() == {
        "status": "down",
        "error": "ConnectionError",
        "fallback": True,
    }
    tried = Down.calls
    await counter.hit("k", limit=2, window=60, now=clock.now())
    assert Down.calls == tried  # resting: not tried again at once
    counter.primary = MemoryCounter()
    clock.advance(RETRY_AFTER + 1)
    assert (await counter.hit("j", limit=2, window=60, now=clock.now())) == WindowCount(True, 0, 1)
    assert counter.outage.status() is None


async def test_kv_reads_as_a_miss_and_replays_missed_writes(tmp_path: Path) -> None:
    from core.adapters.kv_sqlite import SQLiteKeyValue

    clock = FrozenClock()
    real = SQLiteKeyValue(tmp_path / "kv.sqlite3", clock)
    try:
        await real.put("sess:1", "active", ttl=3600)
        kv = TolerantKeyValue(Down(), clock)  # type: ignore[arg-type]
        assert await kv.get("sess:1") is None
        await kv.put("sess:1", "revoked", ttl=3600)
        await kv.delete("cache:x")
        assert await kv.get("sess:1") == "revoked"  # its own write, while down
        assert (await kv.list("sess:")).keys == []
        kv.primary = real  # the store is back
        clock.advance(RETRY_AFTER + 1)
        assert await kv.get("other") is None
        assert await real.get("sess:1") == "revoked"  # the missed write was replayed
        assert kv.outage.status() is None
    finally:
        await real.close()
