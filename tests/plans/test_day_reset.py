"""The daily reset of API-call counters goes in bounded statements: every user has a
subscription row, and one UPDATE of them all would hold the write lock that long."""

from __future__ import annotations

from core.plans import repo as plans_repo
from core.plans.periods import day_start
from core.plans.repo import PlansRepo, count_statement
from core.usage import Meter
from tests.conftest import make_client, register


async def test_the_day_reset_zeroes_every_counter_a_few_rows_a_statement(
    app, runtime, clock, monkeypatch
) -> None:
    db = runtime.database
    async with make_client(app) as client:
        owners = [(await register(client, f"user{n}"))["user"]["id"] for n in range(5)]
    for owner in owners:
        statement = count_statement(owner, Meter.API_CALLS, 3, clock.now())
        await db.run(statement.sql, *statement.params)
    clock.advance(86_400)
    today = day_start(clock.now())
    fresh = count_statement(owners[0], Meter.API_CALLS, 1, clock.now())
    monkeypatch.setattr(plans_repo, "DAY_RESET_CHUNK", 2)
    # A spy on the real adapter: the rows each reset statement changed.
    changed: list[int] = []
    run = db.run

    async def spy_run(sql, *params):
        result = await run(sql, *params)
        if sql.startswith("UPDATE subscriptions SET api_calls_used = 0"):
            changed.append(result.changes)
        return result

    monkeypatch.setattr(db, "run", spy_run)
    reset = await PlansRepo(db).reset_days(clock.now())
    assert sorted(reset) == sorted(owners)
    assert changed == [2, 2, 1]
    rows = await db.all("SELECT api_calls_used, day_start FROM subscriptions")
    assert len(rows) == 5
    assert {(r["api_calls_used"], r["day_start"]) for r in rows} == {(0, today)}
    # A row already on today's day is left alone: its count stands.
    await db.run(fresh.sql, *fresh.params)
    assert await PlansRepo(db).reset_days(clock.now()) == []
    used = await db.first("SELECT api_calls_used FROM subscriptions WHERE owner_id = ?", owners[0])
    assert used["api_calls_used"] == 1
