"""The summary gives exactly what its rules say, whatever the range, the interval and
where the fold's watermark stands: random events, folded up to a random hour, are
summarized and compared with the same numbers counted in Python from the events.

The rules (see ``core.analytics.reports.service``): uniques are visitor-days. A whole day
before the watermark's day counts its distinct visitors; a part of a day, or a day
after the watermark, the distinct visitors of that part; the watermark's own day
those before the watermark plus those after it (a visitor on both sides counts
twice until the day closes). Hourly points count each hour's distinct visitors.
Each dimension value sums, over the daily and hourly rollups read and the open
range (from the watermark on, counted as one), the events and distinct visitors.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.adapters.sqlite import SQLiteDatabase
from core.analytics import repo
from core.analytics.models import DIMENSION_COLUMNS, DIMENSIONS
from core.analytics.reports import rollup
from core.analytics.reports.service import Analytics, ceil_to
from core.clock import iso
from core.d1_rules import check_d1_rules
from core.migrations import migrate

DAY, HOUR = 86400, 3600
START = 1_790_000_000 // DAY * DAY  # a UTC midnight
SPAN_HOURS = 80

event = st.fixed_dictionaries(
    {
        "hour": st.integers(0, SPAN_HOURS - 1),
        "second": st.integers(0, 3599),
        "type": st.sampled_from(["profile_view", "profile_view", "link_click", "page_view"]),
        "profile_id": st.sampled_from(["p1", "p1", "p2"]),
        "visitor": st.one_of(st.none(), st.sampled_from(["v1", "v2", "v3", "v4", "v5"])),
        "country": st.one_of(st.none(), st.sampled_from(["DE", "FR"])),
        "browser": st.one_of(st.none(), st.sampled_from(["Chrome", "Firefox", "Safari"])),
        "referrer_host": st.one_of(st.none(), st.just("t.co")),
        "link_id": st.one_of(st.none(), st.sampled_from(["l1", "l2"])),
    }
)
query = st.fixed_dictionaries(
    {
        "from": st.integers(-30, SPAN_HOURS + 5),
        "hours": st.integers(1, SPAN_HOURS),
        "interval": st.sampled_from(["hour", "day"]),
        "type": st.sampled_from(["profile_view", "link_click"]),
        "limit": st.sampled_from([1, 10]),
        # Where "now" is past the watermark: hours of raw rows the summary expects.
        "now_after": st.integers(0, 30),
    }
)


def ts(e: dict[str, Any]) -> int:
    return START + e["hour"] * HOUR + e["second"]


class Counts:
    """Events and distinct visitors per key, over chosen events."""

    def __init__(self) -> None:
        self.events: dict[Any, int] = defaultdict(int)
        self.visitors: dict[Any, set[str]] = defaultdict(set)

    def add(self, key: Any, e: dict[str, Any]) -> None:
        self.events[key] += 1
        visitors = self.visitors[key]  # a key with no known visitor still has zero
        if e["visitor"] is not None:
            visitors.add(e["visitor"])


def expected(
    events: list[dict[str, Any]], watermark: int | None, q: dict[str, Any], profile: str
) -> dict[str, Any]:
    """The summary the rules give, counted from the events."""
    mine = [e for e in events if e["profile_id"] == profile]
    width = DAY if q["interval"] == "day" else HOUR
    start = (START + q["from"] * HOUR) // width * width
    end = ceil_to(START + (q["from"] + q["hours"]) * HOUR, width)
    closed = min(max(watermark if watermark is not None else start, start), end)
    days_from = ceil_to(start, DAY)
    days_to = max(days_from, closed // DAY * DAY)

    def within(lo: int, hi: int) -> list[dict[str, Any]]:
        return [e for e in mine if lo <= ts(e) < hi]

    # Per day: events per type; uniques per type and over every type ('*').
    day_events: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    day_uniques: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def count_day(day: int, rows: list[dict[str, Any]], *, events: bool, uniques: bool) -> None:
        c = Counts()
        for e in rows:
            c.add(e["type"], e)
            c.add("*", e)
        for type_ in c.events:
            if events:
                day_events[day][type_] += c.events[type_]
            if uniques:
                day_uniques[day][type_] += len(c.visitors[type_])

    for day in range(days_from, days_to, DAY):
        count_day(day, within(day, day + DAY), events=True, uniques=True)
    if start < min(days_from, end):
        count_day(start // DAY * DAY, within(start, min(days_from, end)), events=True, uniques=True)
    day = max(days_to, days_from)
    while day < end:
        hi = min(day + DAY, end)
        if day < closed < hi:
            count_day(day, within(day, closed), events=True, uniques=True)
            count_day(day, within(closed, hi), events=True, uniques=True)
        else:
            count_day(day, within(day, hi), events=True, uniques=True)
        day += DAY

    totals: dict[str, dict[str, int]] = {}
    for day, by_type in day_events.items():
        for type_, n in by_type.items():
            if type_ != "*":
                total = totals.setdefault(type_, {"events": 0, "uniques": 0})
                total["events"] += n
                total["uniques"] += day_uniques[day][type_]
    visitors = sum(u.get("*", 0) for u in day_uniques.values())

    series = []
    for at in range(start, end, width):
        if width == DAY:
            ev, un = day_events.get(at, {}), day_uniques.get(at, {})
        else:
            c = Counts()
            for e in within(at, at + HOUR):
                c.add(e["type"], e)
                c.add("*", e)
            ev = dict(c.events)
            un = {t: len(v) for t, v in c.visitors.items()}
        series.append(
            {
                "at": iso(at),
                "events": {t: n for t, n in ev.items() if t != "*"},
                "uniques": {t: n for t, n in un.items() if t != "*"},
                "visitors": un.get("*", 0),
            }
        )

    # Dimensions: the pieces read (days, hours, the open range), each counted apart.
    pieces = [(d, d + DAY) for d in range(days_from, days_to, DAY)]
    hours = (
        [(start, min(days_from, closed)), (days_to, closed)]
        if days_from < days_to
        else [(start, closed)]
    )
    pieces += [(h, h + HOUR) for lo, hi in hours for h in range(lo, hi, HOUR)]
    pieces.append((closed, end))
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for lo, hi in pieces:
        c = Counts()
        for e in within(lo, hi):
            if e["type"] == "link_click" and e["link_id"] is not None:
                c.add(("link", e["link_id"]), e)
            if e["type"] == q["type"]:
                for dim, column in DIMENSION_COLUMNS.items():
                    if dim != "link":
                        c.add((dim, e.get(column) or ""), e)
        for key, n in c.events.items():
            sums[key][0] += n
            sums[key][1] += len(c.visitors[key])
    top = {}
    for dim in DIMENSIONS:
        if dim != "link":
            ranked = sorted(
                ((v, e, u) for (d, v), (e, u) in sums.items() if d == dim),
                key=lambda r: (-r[1], r[0]),
            )
            top[dim] = [
                {"value": v or None, "events": e, "uniques": u} for v, e, u in ranked[: q["limit"]]
            ]
    views = totals.get("profile_view", {"events": 0})["events"]
    links = sorted(
        (
            {
                "link_id": v,
                "clicks": e,
                "uniques": u,
                "ctr": round(e / views, 4) if views else None,
            }
            for (d, v), (e, u) in sums.items()
            if d == "link"
        ),
        key=lambda r: (-r["clicks"], r["link_id"]),
    )
    return {
        "totals": totals,
        "visitors": visitors,
        "series": series,
        "top": top,
        "links": links,
    }


def row(e: dict[str, Any]) -> tuple:
    values = dict.fromkeys(repo.COLUMNS)
    values.update(
        {k: v for k, v in e.items() if k in values},
        ts=ts(e) * 1000,
        owner_id="owner-" + e["profile_id"],
    )
    if e["type"] != "link_click":
        values["link_id"] = None
    return tuple(values[c] for c in repo.COLUMNS)


async def scenario(
    path: Path, events: list[dict[str, Any]], watermark_hour: int | None, queries: list[dict]
) -> None:
    db = SQLiteDatabase(path)
    try:
        await migrate(db)
        await repo.insert_events(db, [row(e) for e in events])
        watermark = None
        if watermark_hour is not None:
            # The hourly job, run at that hour: folds every hour before it, sets the watermark.
            watermark = START + watermark_hour * HOUR
            await rollup.rollup_recent(db, watermark + 60)
            assert await repo.folded_to(db) == watermark
        for q in queries:
            now = (watermark if watermark is not None else START) + q["now_after"] * HOUR + 60
            service = Analytics(db, raw_days=90, now=now)
            for profile in ("p1", "p2"):
                got = await service.summary(
                    profile,
                    START + q["from"] * HOUR,
                    START + (q["from"] + q["hours"]) * HOUR,
                    q["interval"],
                    top_type=q["type"],
                    limit=q["limit"],
                )
                want = expected(events, watermark, q, profile)
                assert got.model_dump(include=set(want)) == want, (q, profile)
    finally:
        await db.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(event, max_size=80),
    watermark_hour=st.one_of(st.none(), st.integers(1, SPAN_HOURS + 2)),
    queries=st.lists(query, min_size=1, max_size=4),
)
def test_the_summary_follows_its_rules_wherever_the_watermark_is(
    events, watermark_hour, queries
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(scenario(Path(tmp) / "db.sqlite3", events, watermark_hour, queries))


def test_a_summarys_reads_are_few_statements_within_d1_rules() -> None:
    reads = repo.SummaryReads("p1", "profile_view")
    reads.open_range(START + 10 * HOUR, START + 12 * HOUR, hours=True, hold=True)
    for day in range(40):  # far more reads than a summary makes: split, never refused
        reads.rollup_series("hour", START + day * DAY, START + day * DAY + HOUR)
        reads.rollup_dimensions("day", START, START + day * DAY + DAY)
    statements = reads.statements()
    assert len(statements) > 1
    assert statements[0].sql.startswith("WITH o AS MATERIALIZED")
    for statement in statements:
        check_d1_rules(statement.sql, statement.params)
    assert sum(len(s.params) for s in statements) == 4 + 40 * (4 + 5 + 4)


async def test_a_summary_reads_the_watermark_then_everything_in_one_statement(
    runtime, monkeypatch
) -> None:
    db = runtime.database
    await repo.insert_events(
        db,
        [
            row(
                {
                    **e,
                    "visitor": f"v{i % 3}",
                    "country": None,
                    "browser": None,
                    "referrer_host": None,
                    "link_id": "l1",
                }
            )
            for i, e in enumerate(
                {"hour": h, "second": 5, "type": t, "profile_id": "p1"}
                for h in range(0, 60, 5)
                for t in ("profile_view", "link_click")
            )
        ],
    )
    await rollup.rollup_recent(db, START + 50 * HOUR + 60)
    seen: list[str] = []
    real_all = db.all

    async def spy(sql: str, *params: Any) -> list[dict[str, Any]]:
        seen.append(sql)
        return await real_all(sql, *params)

    monkeypatch.setattr(db, "all", spy)
    summary = await Analytics(db, raw_days=90, now=START + 50 * HOUR + 60).summary(
        "p1", START, START + 3 * DAY, "day"
    )
    assert summary.totals["profile_view"].events == 12
    assert len(seen) == 1  # (the watermark is read with first())
