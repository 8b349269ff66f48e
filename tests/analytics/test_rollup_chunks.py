"""The fold writes in bounded chunks: the same rows as one batch, and a write issued
while it runs waits for one chunk, not for the whole fold."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from pathlib import Path

import pytest

from core.adapters.sqlite import SQLiteDatabase
from core.analytics import repo
from core.analytics.reports import rollup
from core.d1_rules import check_d1_rules
from core.migrations import migrate

START = 1_790_000_000 // 86400 * 86400 + 20 * 3600  # 20:00 UTC: the span crosses midnight
HOURS = 10
PROFILES = ["p1", "p2", "p3", "p4", "p5"]


def events(seed: int, n: int, hours: int = HOURS) -> list[tuple]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        values = dict.fromkeys(repo.COLUMNS)
        profile = rng.choice(PROFILES)
        kind = rng.choice(["profile_view", "profile_view", "link_click", "page_view"])
        values.update(
            ts=(START + rng.randrange(hours * 3600)) * 1000,
            type=kind,
            owner_id="owner-" + profile,
            profile_id=profile,
            visitor=f"v{rng.randrange(30)}",
            country=rng.choice(["DE", "FR", "US", None]),
            city=rng.choice(["Berlin", "Paris", "Lyon", None]),
            browser=rng.choice(["Chrome", "Firefox", None]),
            referrer_host=rng.choice(["a.example", "b.example", None]),
            link_id=rng.choice(["l1", "l2", "l3"]) if kind == "link_click" else None,
        )
        out.append(tuple(values[c] for c in repo.COLUMNS))
    return out


async def rollups(db: SQLiteDatabase) -> list[tuple]:
    rows = await db.all(
        "SELECT owner_id, profile_id, grain, bucket, type, dim, value, events, uniques"
        " FROM analytics_rollups ORDER BY profile_id, grain, bucket, dim, type, value"
    )
    return [tuple(r.values()) for r in rows]


async def prepared(path: Path) -> SQLiteDatabase:
    """A database whose rollups were folded once, then got late events, and holds
    rows of a profile whose events are gone: the next fold must replace them all."""
    db = SQLiteDatabase(path)
    await migrate(db)
    await repo.insert_events(db, events(1, 600))
    await db.batch(await rollup.fold_batch(db, START, START + HOURS * 3600))
    await repo.insert_events(db, events(2, 400))
    await db.run(
        "INSERT INTO analytics_rollups (owner_id, profile_id, grain, bucket, type, dim, value,"
        " events, uniques) VALUES ('owner-gone', 'gone', 'hour', ?1, 'profile_view', 'total',"
        " '', 3, 2), ('owner-gone', 'gone', 'day', ?2, 'profile_view', 'country', 'DE', 3, 2)",
        START + 3600,
        START // 86400 * 86400,
    )
    return db


@pytest.mark.parametrize("chunk_rows", [1, 2, 7, 60, rollup.CHUNK_ROWS])
async def test_a_chunked_fold_gives_the_rows_of_one_batch(tmp_path: Path, chunk_rows: int) -> None:
    one, chunked = await prepared(tmp_path / "one.sqlite3"), await prepared(tmp_path / "c.sqlite3")
    try:
        assert await rollups(one) == await rollups(chunked)
        lo, hi = START + 2 * 3600, START + 7 * 3600  # crosses midnight: two days refolded
        await one.batch(await rollup.fold_batch(one, lo, hi, await repo.folded_to(one)))
        batches = await rollup.fold_chunks(chunked, lo, hi, chunk_rows=chunk_rows)
        await rollup.fold(chunked, lo, hi, chunk_rows=chunk_rows)
        expected = await rollups(one)
        assert any(r[1] == "gone" for r in expected)  # outside [lo, hi): kept by both
        assert not any(r[1] == "gone" and r[2] == "day" for r in expected)  # its day refolded
        assert await rollups(chunked) == expected
        if chunk_rows < 60:
            assert len(batches) > 10  # it did write in many batches
    finally:
        await one.close()
        await chunked.close()


async def one_batch_job(db: SQLiteDatabase, now: float) -> None:
    """The hourly job as it was: each day's fold and its watermark in one batch."""
    open_hour = rollup.hour_floor(now)
    start = min(open_hour - rollup.REFOLD_HOURS * 3600, await repo.folded_to(db) or open_hour)
    while start < open_hour:
        end = min(open_hour, rollup.day_floor(start) + 86400)
        await db.batch(
            [*await rollup.fold_batch(db, start, end), repo.set_folded_to_statement(end)]
        )
        start = end


@pytest.mark.parametrize("chunk_rows", [3, 50])
async def test_the_chunked_hourly_job_gives_the_rows_of_the_one_batch_job(
    tmp_path: Path, chunk_rows: int
) -> None:
    one, chunked = await prepared(tmp_path / "one.sqlite3"), await prepared(tmp_path / "c.sqlite3")
    try:
        for db in (one, chunked):
            await db.batch([repo.set_folded_to_statement(START + 1 * 3600)])
        now = START + HOURS * 3600 + 60
        await one_batch_job(one, now)
        await rollup.rollup_recent(chunked, now, chunk_rows=chunk_rows)
        assert await repo.folded_to(chunked) == await repo.folded_to(one) == START + HOURS * 3600
        assert await rollups(chunked) == await rollups(one)
    finally:
        await one.close()
        await chunked.close()


async def test_each_chunk_stays_within_its_rows_and_d1s_rules(tmp_path: Path) -> None:
    db = await prepared(tmp_path / "db.sqlite3")
    try:
        await repo.insert_events(db, events(3, 300))
        batches = await rollup.fold_chunks(db, START, START + HOURS * 3600, chunk_rows=25)
        assert len(batches) > 5
        for swap in batches:
            touched = 0
            for statement in swap.statements():
                check_d1_rules(statement.sql, statement.params)
                assert len(statement.sql.encode()) < 100_000
                (param,) = statement.params
                touched += len(json.loads(str(param)))
            assert 0 < touched <= 25
    finally:
        await db.close()


async def test_a_write_during_a_fold_waits_for_one_chunk_not_the_fold(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "db.sqlite3")
    try:
        await migrate(db)
        await repo.insert_events(db, events(4, 1500))
        await db.run("CREATE TABLE fold_probe (n INTEGER PRIMARY KEY, seen INTEGER NOT NULL)")
        chunk = 20
        done = asyncio.Event()

        async def probe() -> None:
            # A request's small write, again as soon as the last one is answered:
            # each records how many rollup rows the fold had written by then.
            while not done.is_set():
                await db.run("INSERT INTO fold_probe (seen) SELECT count(*) FROM analytics_rollups")

        async def job() -> None:
            try:
                await rollup.fold(db, START, START + HOURS * 3600, chunk_rows=chunk)
            finally:
                done.set()

        await asyncio.gather(probe(), job())
        total = len(await rollups(db))
        seen = [r["seen"] for r in await db.all("SELECT seen FROM fold_probe ORDER BY n")]
        assert total > 10 * chunk
        assert seen[0] == 0 and seen[-1] == total
        # Between two of the probe's writes the fold wrote at most one chunk: every
        # write waited behind one short transaction, and ran while the fold went on.
        steps = [b - a for a, b in itertools.pairwise(seen)]
        assert max(steps) <= chunk
        assert len({n for n in seen if 0 < n < total}) >= total // chunk - 1
    finally:
        await db.close()
