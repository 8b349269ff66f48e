"""The acceptance points on the real posts route (``POST /api/content``): 402 over
the free plan's monthly limit with nothing stored, the next post admitted after the
period's reset, and 50 concurrent posts with 10 left storing exactly 10, on SQLite
and on the Redis-backed local setup."""

from __future__ import annotations

import asyncio
import contextlib
import functools

import pytest

pytest.importorskip("core.content", reason="the content feature (issue 13) is not merged yet")

from core.app import create_app
from core.features import run_cron
from core.jobs.schedule import DAILY
from core.local import LocalRuntime
from core.plans.periods import add_month
from tests.conftest import REDIS_TEST_URL, bearer, make_client, register
from tests.plans.poster import set_used

FREE_POSTS = 30
PASSWORD = "correct horse battery"


def post(n: int) -> dict:
    return {"title": f"Post {n}", "body": f"The body of post number {n}, long enough."}


@contextlib.asynccontextmanager
async def signed_in(app, name: str = "writer"):
    async with make_client(app, ip="198.51.100.60") as client:
        tokens = await register(client, name)
        client.headers.update(bearer(tokens))
        client.username = name
        yield client, tokens["user"]["id"]


async def posts_of(database, user_id: str) -> int:
    row = await database.first("SELECT count(*) AS n FROM content WHERE owner_id = ?", user_id)
    return int(row["n"])


async def test_a_post_over_the_free_limit_gets_402_and_nothing_is_stored_then_the_reset_admits(
    app, runtime, clock, settings
) -> None:
    async with signed_in(app) as (client, user_id):
        await set_used(runtime.database, user_id, "posts_used", FREE_POSTS - 1, clock.now())
        assert (await client.post("/api/content", json=post(1))).status_code == 201
        refused = await client.post("/api/content", json=post(2))
        assert refused.status_code == 402, refused.text
        error = refused.json()["error"]
        assert error["code"] == "plan_limit"
        assert "30 posts a month" in error["message"] and "Pro allows 500" in error["message"]
        assert await posts_of(runtime.database, user_id) == 1
        tags = await runtime.database.first("SELECT count(*) AS n FROM content_tags")
        assert tags["n"] == 0
        # At period end the daily cron resets the counters; the next post is admitted.
        clock.advance(add_month(clock.now()) - clock.now() + 60)
        await run_cron(DAILY, runtime.ports({}), settings)
        login = await client.post(
            "/api/auth/login", json={"username": client.username, "password": PASSWORD}
        )
        client.headers.update(bearer(login.json()))
        assert (await client.post("/api/content", json=post(3))).status_code == 201
        assert await posts_of(runtime.database, user_id) == 2
        sub = (await client.get("/api/subscription")).json()
        assert next(u["used"] for u in sub["usage"] if u["meter"] == "posts") == 1


async def _fifty(app, database, now: float) -> tuple[list[int], int]:
    async with signed_in(app) as (client, user_id):
        await set_used(database, user_id, "posts_used", FREE_POSTS - 10, now)
        answers = await asyncio.gather(
            *(client.post("/api/content", json=post(n)) for n in range(50))
        )
        return sorted(a.status_code for a in answers), await posts_of(database, user_id)


async def test_fifty_concurrent_posts_with_ten_left_store_exactly_ten(app, runtime, clock) -> None:
    statuses, stored = await _fifty(app, runtime.database, clock.now())
    assert statuses == [201] * 10 + [402] * 40
    assert stored == 10


@pytest.mark.redis
async def test_fifty_concurrent_posts_with_ten_left_store_exactly_ten_on_redis(
    settings, clock, monkeypatch
) -> None:
    from core.adapters import kv_redis

    monkeypatch.setattr(kv_redis, "from_url", functools.partial(kv_redis.from_url, timeout=60))
    settings = settings.model_copy(update={"redis_url": REDIS_TEST_URL})
    runtime = LocalRuntime(settings, clock=clock, run_scheduler=False)
    await runtime.startup()
    try:
        statuses, stored = await _fifty(
            create_app(settings, runtime), runtime.database, clock.now()
        )
        assert statuses == [201] * 10 + [402] * 40
        assert stored == 10
    finally:
        await runtime.shutdown()
