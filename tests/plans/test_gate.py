"""The usage gate: 402 before any work, counted in the work's own batch, exact
under concurrency, reset at each user's own period end."""

from __future__ import annotations

import asyncio
import contextlib
import functools

import pytest
from fastapi import APIRouter, Depends, Request

from core.app import create_app
from core.feature import Feature
from core.features import FEATURES, run_cron
from core.http.context import request_context
from core.identity import current_actor
from core.jobs.schedule import DAILY
from core.local import LocalRuntime
from core.plans.periods import add_month
from core.ports import IntegrityError, stmt
from core.usage import Meter, admit
from tests.conftest import REDIS_TEST_URL, bearer, make_client, register
from tests.plans.poster import PATH, poster, set_used, stored

FREE_POSTS = 30


@pytest.fixture
async def app(settings, runtime):
    return create_app(settings, runtime, (*FEATURES, poster()))


@contextlib.asynccontextmanager
async def signed_in(app, name="alice"):
    async with make_client(app, ip="198.51.100.9") as client:
        tokens = await register(client, name)
        client.headers.update(bearer(tokens))
        client.tokens = tokens
        yield client, tokens["user"]["id"]


async def reauth(client) -> None:
    """Signed in again after the clock moved past the session's life."""
    answer = await client.post(
        "/api/auth/login",
        json={"username": client.tokens["user"]["username"], "password": "correct horse battery"},
    )
    assert answer.status_code == 200, answer.text
    client.tokens = answer.json()
    client.headers.update(bearer(client.tokens))


async def test_a_post_over_the_free_limit_is_refused_with_402_and_nothing_is_stored(
    app, runtime, clock
) -> None:
    async with signed_in(app) as (client, user_id):
        await set_used(runtime.database, user_id, "posts_used", FREE_POSTS - 1, clock.now())
        assert (await client.post(PATH)).status_code == 200
        refused = await client.post(PATH)
        assert refused.status_code == 402
        error = refused.json()["error"]
        assert error["code"] == "plan_limit"
        assert "Free plan allows 30 posts a month" in error["message"]
        assert "Pro allows 500" in error["message"]
        assert error["details"]["upgrade_to"] == "pro"
        assert await stored(runtime.database, user_id) == 1
        sub = (await client.get("/api/subscription")).json()
        posts = next(u for u in sub["usage"] if u["meter"] == "posts")
        assert posts == {
            "meter": "posts",
            "label": "posts a month",
            "used": 30,
            "limit": 30,
            "per": "month",
        }


async def test_at_period_end_the_cron_resets_the_counters_and_the_next_post_is_admitted(
    app, runtime, clock, settings
) -> None:
    async with signed_in(app) as (client, user_id):
        first = (await client.get("/api/subscription")).json()
        await set_used(runtime.database, user_id, "posts_used", FREE_POSTS, clock.now())
        assert (await client.post(PATH)).status_code == 402
        # The day before the period ends the cron leaves it alone.
        clock.advance(add_month(clock.now()) - clock.now() - 86_400)
        await run_cron(DAILY, runtime.ports({}), settings)
        await reauth(client)
        assert (await client.post(PATH)).status_code == 402
        clock.advance(86_400)
        await run_cron(DAILY, runtime.ports({}), settings)
        await reauth(client)
        assert (await client.post(PATH)).status_code == 200
        after = (await client.get("/api/subscription")).json()
        assert after["period_start"] == first["period_end"]
        assert next(u["used"] for u in after["usage"] if u["meter"] == "posts") == 1


async def _fifty_at_once(app, database, now: float) -> tuple[list[int], int]:
    async with signed_in(app) as (client, user_id):
        await set_used(database, user_id, "posts_used", FREE_POSTS - 10, now)
        responses = await asyncio.gather(*(client.post(PATH) for _ in range(50)))
        statuses = sorted(r.status_code for r in responses)
        return statuses, await stored(database, user_id)


async def test_fifty_concurrent_posts_with_ten_left_store_exactly_ten(app, runtime, clock) -> None:
    statuses, count = await _fifty_at_once(app, runtime.database, clock.now())
    assert statuses == [200] * 10 + [402] * 40
    assert count == 10


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
        app = create_app(settings, runtime, (*FEATURES, poster()))
        statuses, count = await _fifty_at_once(app, runtime.database, clock.now())
        assert statuses == [200] * 10 + [402] * 40
        assert count == 10
    finally:
        await runtime.shutdown()


async def test_a_stale_snapshot_never_refuses_nor_admits_past_the_limit(
    app, runtime, clock
) -> None:
    async with signed_in(app) as (client, user_id):
        await set_used(runtime.database, user_id, "posts_used", FREE_POSTS, clock.now())
        assert (await client.post(PATH)).status_code == 402  # the snapshot now says "full"
        # Another isolate (the cron, a webhook) frees room: the refusal is confirmed
        # by the database first, so the stale "full" does not refuse.
        await runtime.database.run(
            "UPDATE subscriptions SET posts_used = 0 WHERE owner_id = ?", user_id
        )
        assert (await client.post(PATH)).status_code == 200
        # And the other way: the snapshot says room, the database says full.
        await runtime.database.run(
            "UPDATE subscriptions SET posts_used = ? WHERE owner_id = ?", FREE_POSTS, user_id
        )
        assert (await client.post(PATH)).status_code == 402
        assert await stored(runtime.database, user_id) == 1


async def test_an_upgrade_lifts_the_limit_in_the_same_batch_decision(app, runtime, clock) -> None:
    async with signed_in(app) as (client, user_id):
        await set_used(runtime.database, user_id, "posts_used", FREE_POSTS, clock.now())
        await runtime.database.run(
            "UPDATE subscriptions SET tier = 'pro' WHERE owner_id = ?", user_id
        )
        assert (await client.post(PATH)).status_code == 200


async def test_business_posts_are_unlimited_and_still_counted(app, runtime, clock) -> None:
    async with signed_in(app) as (client, user_id):
        await set_used(runtime.database, user_id, "posts_used", 10**9, clock.now())
        await runtime.database.run(
            "UPDATE subscriptions SET tier = 'business' WHERE owner_id = ?", user_id
        )
        assert (await client.post(PATH)).status_code == 200
        sub = (await client.get("/api/subscription")).json()
        assert next(u for u in sub["usage"] if u["meter"] == "posts")["used"] == 10**9 + 1
        assert next(u for u in sub["usage"] if u["meter"] == "posts")["limit"] is None


async def test_a_failed_write_never_counts(settings, runtime, clock) -> None:
    """The counter rides in the work's batch: when the work fails, nothing counts."""
    router = APIRouter()

    @router.post("/api/_test/fails")
    async def fails(request: Request, actor=Depends(current_actor)) -> dict[str, str]:
        ports = request_context(request.scope).ports
        admission = await admit(request, actor.user_id, Meter.AI_GENERATIONS)
        broken = stmt(
            "INSERT INTO plans (tier, name, rank, updated_at) VALUES ('free', 'x', 9, 'x')"
        )
        try:
            await ports.db.batch([*admission.statements, broken])
        except IntegrityError:
            await admission.recheck()  # not the limit: returns
            return {"outcome": "work failed"}
        return {"outcome": "stored"}

    app = create_app(settings, runtime, (*FEATURES, Feature("_test_fails", routers=(router,))))
    async with signed_in(app) as (client, _user_id):
        for _ in range(3):
            assert (await client.post("/api/_test/fails")).json() == {"outcome": "work failed"}
        sub = (await client.get("/api/subscription")).json()
        assert next(u for u in sub["usage"] if u["meter"] == "ai_generations")["used"] == 0


async def test_an_admitted_request_costs_no_statement_beyond_its_own_batch(
    app, runtime, clock
) -> None:
    from tests.plans.counting import counted_statements

    async with signed_in(app) as (client, _user_id):
        assert (await client.post(PATH)).status_code == 200  # warm: the isolate's snapshot
        async with counted_statements(runtime) as statements:
            for _ in range(5):
                assert (await client.post(PATH)).status_code == 200
        assert len(statements) == 10
        assert all(s.startswith("batch: ") for s in statements), statements
        assert sum("INSERT INTO subscriptions" in s for s in statements) == 5


async def test_a_snapshot_kv_entry_that_does_not_parse_reads_the_database(
    app, runtime, clock
) -> None:
    from core.plans.snapshot import kv_key

    async with signed_in(app) as (client, user_id):
        await set_used(runtime.database, user_id, "posts_used", FREE_POSTS, clock.now())
        await runtime.ports({}).kv.put(kv_key(user_id), "{not json")
        refused = await client.post(PATH)
        assert refused.status_code == 402
        assert await stored(runtime.database, user_id) == 0
