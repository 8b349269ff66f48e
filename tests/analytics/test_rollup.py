"""Rollups are idempotent: random events folded in any order, any number of
times, give exactly what a direct count over the raw rows gives."""

from __future__ import annotations

import asyncio
import itertools
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.adapters.sqlite import SQLiteDatabase
from core.analytics import repo
from core.analytics.models import DIMENSION_COLUMNS
from core.analytics.reports import rollup
from core.jobs.dispatcher import JobContext
from core.migrations import migrate
from core.ports import stmt

START = 1_790_000_000 // 86400 * 86400  # a UTC midnight
SPAN_HOURS = 60

event = st.fixed_dictionaries(
    {
        "hour": st.integers(0, SPAN_HOURS - 1),
        "second": st.integers(0, 3599),
        "type": st.sampled_from(["profile_view", "link_click", "page_view"]),
        "profile": st.sampled_from(["p1", "p2", "p3"]),
        "visitor": st.one_of(st.none(), st.sampled_from(["v1", "v2", "v3", "v4"])),
        "country": st.one_of(st.none(), st.sampled_from(["DE", "FR"])),
        "link": st.one_of(st.none(), st.sampled_from(["l1", "l2"])),
        "browser": st.one_of(st.none(), st.sampled_from(["Chrome", "Firefox"])),
    }
)
# A fold: a range of hours [a, b) of the span.
fold = st.tuples(st.integers(0, SPAN_HOURS - 1), st.integers(1, 30)).map(
    lambda t: (t[0], min(SPAN_HOURS, t[0] + t[1]))
)


def row(e: dict) -> tuple:
    ts = (START + e["hour"] * 3600 + e["second"]) * 1000
    values = dict.fromkeys(repo.COLUMNS)
    values.update(
        ts=ts,
        type=e["type"],
        owner_id="owner-" + e["profile"],
        profile_id=e["profile"],
        visitor=e["visitor"],
        country=e["country"],
        link_id=e["link"],
        browser=e["browser"],
    )
    return tuple(values[c] for c in repo.COLUMNS)


async def direct(db, grain: str) -> set[tuple]:
    """What the rollups must hold, counted straight from the raw rows."""
    width = repo.GRAINS[grain]
    out = set()
    for dim, column in {"total": None, **DIMENSION_COLUMNS}.items():
        value = "''" if column is None else f"coalesce({column}, '')"
        where = " AND link_id IS NOT NULL" if dim == "link" else ""
        rows = await db.all(
            f"SELECT profile_id, (ts / {width * 1000}) * {width} AS b, type, {value} AS v,"
            f" count(*) AS n, count(DISTINCT visitor) AS u FROM analytics_events"
            f" WHERE 1 {where} GROUP BY profile_id, b, type, v"
        )
        out |= {(r["profile_id"], r["b"], r["type"], dim, r["v"], r["n"], r["u"]) for r in rows}
    rows = await db.all(
        f"SELECT profile_id, (ts / {width * 1000}) * {width} AS b, count(*) AS n,"
        " count(DISTINCT visitor) AS u FROM analytics_events GROUP BY profile_id, b"
    )
    out |= {(r["profile_id"], r["b"], "*", "total", "", r["n"], r["u"]) for r in rows}
    return out


async def stored(db, grain: str) -> set[tuple]:
    rows = await db.all(
        "SELECT profile_id, bucket, type, dim, value, events, uniques FROM analytics_rollups"
        " WHERE grain = ?",
        grain,
    )
    found = [tuple(r.values()) for r in rows]
    assert len(found) == len(set(found))
    return set(found)


async def scenario(path: Path, events: list[dict], folds: list[tuple[int, int]]) -> None:
    db = SQLiteDatabase(path)
    try:
        await migrate(db)
        await repo.insert_events(db, [row(e) for e in events])
        # Time has moved past the span: every hour of it is closed.
        await db.run(
            repo.set_folded_to_statement(START + SPAN_HOURS * 3600).sql, START + SPAN_HOURS * 3600
        )
        # Any folds, in any order, repeated: then every hour at least once.
        everything = [(0, SPAN_HOURS)]
        for a, b in [*folds, *everything, *folds]:
            await rollup.fold(db, START + a * 3600, START + b * 3600)
        for grain in ("hour", "day"):
            assert await stored(db, grain) == await direct(db, grain)
    finally:
        await db.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(event, max_size=60), folds=st.lists(fold, max_size=6))
def test_folds_in_any_order_and_number_equal_a_direct_count(events, folds) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(scenario(Path(tmp) / "db.sqlite3", events, folds))


async def test_the_hourly_job_folds_up_to_the_open_hour_and_catches_up(runtime) -> None:
    db = runtime.database
    events = [
        {
            "hour": h,
            "second": 10,
            "type": "profile_view",
            "profile": "p1",
            "visitor": "v1",
            "country": None,
            "link": None,
            "browser": None,
        }
        for h in range(0, 50, 7)
    ]
    await repo.insert_events(db, [row(e) for e in events])
    now = START + 50 * 3600 + 120
    await rollup.rollup_recent(db, now)
    assert await repo.folded_to(db) == START + 50 * 3600
    assert await stored(db, "hour") == await direct(db, "hour")
    # Run again (any number of times): the same rows.
    before = await stored(db, "day")
    for _ in range(2):
        await rollup.rollup_recent(db, now)
    assert await stored(db, "day") == before == await direct(db, "day")


async def test_retention_purges_in_bounded_chunks(runtime, settings, monkeypatch) -> None:
    from core.analytics import jobs

    db = runtime.database
    day = 86400
    now = START + 400 * day
    old = [(now - 100 * day) * 1000 + i for i in range(25)]
    fresh = [(now - 10 * day) * 1000]
    rows = []
    for ts in old + fresh:
        values = dict.fromkeys(repo.COLUMNS)
        values.update(ts=ts, type="profile_view", owner_id="o", profile_id="p")
        rows.append(tuple(values[c] for c in repo.COLUMNS))
    await repo.insert_events(db, rows)
    await rollup.fold(db, (now - 800 * day) // 3600 * 3600, (now - 799 * day) // 3600 * 3600)
    await db.run(
        "INSERT INTO analytics_rollups (owner_id, profile_id, grain, bucket, type, dim, value,"
        " events, uniques) VALUES ('o', 'p', 'day', ?, 'profile_view', 'total', '', 1, 1),"
        " ('o', 'p', 'day', ?, 'profile_view', 'total', '', 1, 1)",
        now - 800 * day,
        now - 100 * day,
    )
    monkeypatch.setattr(jobs, "PURGE_CHUNK", 10)
    ctx = JobContext(runtime.ports(), settings, "30 3 * * *", float(now))
    await jobs.purge_analytics(ctx)
    left = await db.all("SELECT ts FROM analytics_events")
    assert [r["ts"] for r in left] == fresh
    buckets = await db.all("SELECT bucket FROM analytics_rollups")
    assert [r["bucket"] for r in buckets] == [now - 100 * day]


def test_fold_statements_stay_within_d1_rules() -> None:
    from core.d1_rules import check_d1_rules

    many = [
        ["o", "p", "hour", START, "profile_view", "country", f"C{n}", n, n] for n in range(40_000)
    ]
    swap = repo.replace_rollups_statements("hour", START, START + 7200, many)
    assert len(swap) > 2  # the rows split into JSON parameters D1 can hold
    for statement in swap[1:]:
        assert all(len(str(p).encode()) < 1_000_000 for p in statement.params)
    assert sum(len(json.loads(str(s.params[0]))) for s in swap[1:]) == len(many)
    selects = [
        stmt(sql, START * 1000, START * 1000) for sql in itertools.chain(*repo._FOLDS.values())
    ]
    for statement in itertools.chain(
        selects,
        swap,
        repo.insert_statements(
            [
                row(
                    {
                        "hour": 0,
                        "second": 0,
                        "type": "custom",
                        "profile": "p1",
                        "visitor": None,
                        "country": None,
                        "link": None,
                        "browser": None,
                    }
                )
            ]
            * 1200
        ),
    ):
        check_d1_rules(statement.sql, statement.params)
        assert len(statement.sql.encode()) < 100_000
