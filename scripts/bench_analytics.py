"""Benchmark: analytics reads, ingestion, export and enrichment on local SQLite.

1. summary: the dashboard summary of one profile with N events (10 million by
   default) over 90 days, read from rollups plus the open hour's raw rows:
   p50 and p95, against the naive GROUP BY queries over the raw rows giving
   the same answer, in the same run (targets: p95 < 100 ms, >= 50x faster).
   The events are written with sqlite3 ``executemany`` (indexes built after),
   then folded through the product's own fold, a day per batch.
2. ingest: events a second through the core path (``collect.enrich``: bot check,
   salted visitor hash for the half of visitors who consented, user agent, place;
   then the bulk ``json_each`` insert of the local batch writer), against sqlite3's
   raw ``executemany`` of the same rows, in interleaved rounds (``--ingest-rounds``).
3. export: streaming 1 million events as CSV and as JSON through the export's
   keyset pages, in a child process: its time and peak RSS (target < 150 MB),
   against a rewritten loop over the same rows giving the same bytes (sqlite3
   keyset pages of tuples, csv.writer), in interleaved rounds (``--export-rounds``).
4. enrich: the cost of enriching one event at a realistic mix of user agents
   (a few hundred distinct strings, power-law), cold parser cache and warm.
5. rollup-wait: the wait of a request's read (every 5 ms) and of a small write
   (every 100 ms) issued while the hourly rollup job folds N events (3 million by
   default, one day; ``--rollup-events``), on the adapter the server uses (reads on
   their own WAL connections): the job as it runs (its writes in chunks of
   ``rollup.CHUNK_ROWS`` rows) against the same job writing each day's fold in one
   batch (how it was), interleaved rounds in the same run (``--rounds``); the job's
   time for both and their ratio, the job's longest write batch (how long a write
   queued behind it could wait, whatever the probes happened to hit), and the load
   average.

Databases live in a temporary folder under /tmp, deleted at the end; with
``--db PATH`` the summary's database is kept at PATH and reused by later runs
(delete it, and PATH.json, when done).
Run: .venv/bin/python scripts/bench_analytics.py [summary|ingest|export|enrich|rollup-wait ...]
     [--events 10000000] [--db /tmp/summary.sqlite3 [--refold]] [--naive-runs 0]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import io
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from demo_analytics import COUNTRIES, REFERRERS, USER_AGENTS, zipf_weights  # noqa: E402

from core.analytics import repo  # noqa: E402
from core.analytics.ingest import agents, collect  # noqa: E402
from core.analytics.reports import rollup  # noqa: E402
from core.analytics.reports.service import Analytics  # noqa: E402

DAY = 86400
PROFILE = "01BENCHPROFILE000000000000"
OWNER = "01BENCHOWNER00000000000000"
LINKS = [f"01BENCHLINK{i:015d}" for i in range(8)]
TYPES = ["profile_view"] * 6 + ["link_click"] * 2 + ["page_view"] * 2 + ["custom"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def make_schema(path: Path) -> None:
    from core.adapters.sqlite import SQLiteDatabase
    from core.migrations import migrate

    db = SQLiteDatabase(path)
    await migrate(db)
    await db.close()


def templates(rng: random.Random, n: int = 4000) -> list[tuple]:
    """Enriched visit shapes: (country, region, city, tz, device, browser, os, ref host,
    ref url, utm source)."""
    ua_weights = zipf_weights(len(USER_AGENTS), 0.9)
    out = []
    for _ in range(n):
        agent = agents.describe(rng.choices(USER_AGENTS, ua_weights)[0])
        if agent.bot:
            continue
        country, region, city, tz = rng.choices(COUNTRIES, zipf_weights(len(COUNTRIES)))[0]
        ref_host, ref_url = collect.sources.referrer_of(rng.choice(REFERRERS))
        utm = rng.choice([None, None, None, "instagram", "newsletter", "youtube"])
        out.append(
            (
                country,
                region,
                city,
                tz,
                agent.device,
                agent.browser,
                agent.os,
                ref_host,
                ref_url,
                utm,
            )
        )
    return out


def generate(n: int, start: int, days: int, seed: int = 1):
    """n event rows (COLUMNS order) over ``days`` days from ``start``; all PROFILE's
    but every tenth, which belongs to one of 20 other profiles."""
    rng = random.Random(seed)
    shapes = templates(rng)
    span = days * DAY
    others = [f"01BENCHOTHER{i:014d}" for i in range(20)]
    link_weights = zipf_weights(len(LINKS))
    chunk = 100_000
    for base in range(0, n, chunk):
        size = min(chunk, n - base)
        offsets = [rng.random() for _ in range(size)]
        offsets.sort()
        shape_ix = rng.choices(range(len(shapes)), k=size)
        types = rng.choices(TYPES, k=size)
        links = rng.choices(LINKS, link_weights, k=size)
        visitors = [rng.randrange(40_000) for _ in range(size)]
        rows = []
        for i in range(size):
            ts = (start + int((base + offsets[i] * size) / n * span)) * 1000 + i % 1000
            profile = PROFILE if i % 10 else others[i % 20]
            shape = shapes[shape_ix[i]]
            kind = types[i]
            day = ts // (DAY * 1000)
            rows.append(
                (
                    ts,
                    kind,
                    OWNER,
                    profile,
                    links[i] if kind == "link_click" else None,
                    None,
                    f"{day:05x}{visitors[i]:011x}",
                    shape[0],
                    shape[1],
                    shape[2],
                    shape[4],
                    shape[5],
                    shape[6],
                    shape[3],
                    None,
                    shape[7],
                    shape[8],
                    shape[9],
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    "/p/bench",
                    None,
                )
            )
        yield rows


def load(path: Path, n: int, start: int, days: int) -> float:
    """Write n events with executemany, indexes dropped and rebuilt; seconds taken."""
    began = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
        " AND tbl_name = 'analytics_events' AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    marks = ", ".join("?" for _ in repo.COLUMNS)
    sql = f"INSERT INTO analytics_events ({', '.join(repo.COLUMNS)}) VALUES ({marks})"
    for rows in generate(n, start, days):
        conn.execute("BEGIN")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
    for _, create in indexes:
        conn.execute(create)
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - began


async def fold_all(path: Path, start: int, now: float) -> float:
    from core.adapters.sqlite import SQLiteDatabase

    db = SQLiteDatabase(path)
    began = time.perf_counter()
    at, open_hour = rollup.hour_floor(start), rollup.hour_floor(now)
    while at < open_hour:
        end = min(open_hour, rollup.day_floor(at) + DAY)
        await db.batch([*await rollup.fold_batch(db, at, end), repo.set_folded_to_statement(end)])
        at = end
    await db.close()
    return time.perf_counter() - began


async def one_batch_job(db, now: float) -> None:
    """The hourly job as it was: each day's fold and its watermark in one batch."""
    open_hour = rollup.hour_floor(now)
    watermark = await repo.folded_to(db)
    start = min(open_hour - rollup.REFOLD_HOURS * 3600, watermark or open_hour)
    while start < open_hour:
        end = min(open_hour, rollup.day_floor(start) + DAY)
        await db.batch(
            [*await rollup.fold_batch(db, start, end), repo.set_folded_to_statement(end)]
        )
        start = end


async def fold_with_probes(path: Path, now: float, chunked: bool) -> dict:
    """Run the hourly rollup job while probes use the same adapter: a read every
    5 ms and a small write every 100 ms; how long each waited."""
    from core.adapters.sqlite import SQLiteDatabase

    db = SQLiteDatabase(path)
    open_hour = rollup.hour_floor(now)
    # The job as it runs each hour: the watermark three hours back, so it folds
    # the last closed hours and refolds the day they belong to from its raw rows.
    await db.batch([repo.set_folded_to_statement(open_hour - 3 * 3600)])
    # (The upsert never moves it back: a later round sets it back itself.)
    await db.run("UPDATE analytics_fold_state SET folded_to = ?", open_hour - 3 * 3600)
    done = asyncio.Event()
    reads: list[float] = []
    writes: list[float] = []
    batches: list[float] = []  # the job's write batches: how long each held the writer
    batch = db.batch

    async def timed_batch(statements):
        began = time.perf_counter()
        try:
            return await batch(statements)
        finally:
            batches.append(time.perf_counter() - began)

    async def probe(sql: str, every: float, into: list[float]) -> None:
        while not done.is_set():
            began = time.perf_counter()
            if sql.startswith("SELECT"):
                await db.first(sql)
            else:
                await db.run(sql)
            into.append(time.perf_counter() - began)
            await asyncio.sleep(every)

    async def job() -> float:
        await asyncio.sleep(0.02)
        began = time.perf_counter()
        db.batch = timed_batch  # type: ignore[method-assign]  # the job's writes only
        if chunked:
            await rollup.rollup_recent(db, now)
        else:
            await one_batch_job(db, now)
        took = time.perf_counter() - began
        done.set()
        return took

    took, *_ = await asyncio.gather(
        job(),
        probe("SELECT name FROM d1_migrations ORDER BY id LIMIT 1", 0.005, reads),
        probe("DELETE FROM d1_migrations WHERE name = 'no such migration'", 0.1, writes),
    )
    await db.close()
    return {"job_s": took, "reads": reads, "writes": writes, "batches": batches}


async def bench_rollup_wait(tmp: Path, n: int, rounds: int = 3) -> None:
    path = tmp / "rollup.sqlite3"
    await make_schema(path)
    now = time.time()
    load(path, n, rollup.hour_floor(now) - DAY, 1)
    await fold_with_probes(path, now, chunked=False)  # the rollups a running product holds
    print(
        f"[rollup-wait] {n:,} events over the last 24 hours; the hourly rollup job"
        " (3 hours folded, their day refolded), probed by a read every 5 ms and a write"
        f" every 100 ms; {rounds} interleaved rounds:"
    )
    labels = {
        True: f"chunked ({rollup.CHUNK_ROWS} rows a batch)",
        False: "one batch a day (as it was)",
    }
    results: dict[bool, list[dict]] = {True: [], False: []}
    loads = []
    for _ in range(rounds):
        for chunked in (True, False):
            results[chunked].append(await fold_with_probes(path, now, chunked))
            loads.append(os.getloadavg()[0])
    for chunked, runs in results.items():
        jobs = [r["job_s"] for r in runs]
        p50s = [pct(r["reads"], 0.5) * 1000 for r in runs]
        p99s = [pct(r["reads"], 0.99) * 1000 for r in runs]
        w99s = [pct(r["writes"], 0.99) * 1000 for r in runs]
        wmax = [max(r["writes"]) * 1000 for r in runs]
        longest = [max(r["batches"]) * 1000 for r in runs]
        print(
            f"  {labels[chunked]}: job {statistics.median(jobs):.2f} s"
            f" ({min(jobs):.2f}-{max(jobs):.2f}); read wait p50 {statistics.median(p50s):.2f} ms,"
            f" p99 {statistics.median(p99s):.1f} ms ({min(p99s):.1f}-{max(p99s):.1f}),"
            f" {sum(len(r['reads']) for r in runs)} reads; write wait p99"
            f" {statistics.median(w99s):.1f} ms ({min(w99s):.1f}-{max(w99s):.1f}), max"
            f" {max(wmax):.1f} ms, {sum(len(r['writes']) for r in runs)} writes;"
            f" the job's longest write batch {statistics.median(longest):.1f} ms"
            f" ({min(longest):.1f}-{max(longest):.1f}) of {len(runs[0]['batches'])}"
        )
    ratio = [c["job_s"] / o["job_s"] for c, o in zip(results[True], results[False], strict=True)]
    print(
        f"  job time chunked / one batch: {statistics.median(ratio):.2f}"
        f" ({min(ratio):.2f}-{max(ratio):.2f}); load average {statistics.median(loads):.1f}"
        f" ({min(loads):.1f}-{max(loads):.1f})"
    )


def naive(conn: sqlite3.Connection, start: int, end: int) -> dict:
    """The same numbers as the summary, by GROUP BY over the raw rows."""
    a, b = start * 1000, end * 1000
    out: dict = {}
    out["series"] = conn.execute(
        "SELECT ts / 86400000 AS d, type, count(*), count(DISTINCT visitor)"
        " FROM analytics_events WHERE profile_id = ? AND ts >= ? AND ts < ? GROUP BY d, type",
        (PROFILE, a, b),
    ).fetchall()
    out["visitors"] = conn.execute(
        "SELECT ts / 86400000 AS d, count(DISTINCT visitor) FROM analytics_events"
        " WHERE profile_id = ? AND ts >= ? AND ts < ? GROUP BY d",
        (PROFILE, a, b),
    ).fetchall()
    for column in ("country", "city", "device", "browser", "os", "referrer_host", "utm_source"):
        out[column] = conn.execute(
            f"SELECT {column}, count(*), count(DISTINCT visitor) FROM analytics_events"
            " WHERE profile_id = ? AND ts >= ? AND ts < ? AND type = 'profile_view'"
            f" GROUP BY {column} ORDER BY count(*) DESC LIMIT 10",
            (PROFILE, a, b),
        ).fetchall()
    out["links"] = conn.execute(
        "SELECT link_id, count(*), count(DISTINCT visitor) FROM analytics_events"
        " WHERE profile_id = ? AND ts >= ? AND ts < ? AND type = 'link_click' GROUP BY link_id",
        (PROFILE, a, b),
    ).fetchall()
    return out


def sync_schema(path: Path, fresh: Path) -> list[str]:
    """Bring a kept database's indexes and tables up to the migrations' schema (``fresh``,
    a database just migrated): a reused benchmark database follows edits of a migration.
    Returns what it changed; a table whose definition changed needs a rebuild."""
    want = dict(
        sqlite3.connect(fresh)
        .execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")
        .fetchall()
    )
    conn = sqlite3.connect(path, isolation_level=None)
    kinds = dict(conn.execute("SELECT name, type FROM sqlite_master").fetchall())
    have = dict(
        conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall()
    )
    changed = []
    for name, sql in have.items():
        if kinds[name] == "index" and want.get(name) != sql:
            conn.execute(f'DROP INDEX "{name}"')
            changed.append(f"dropped {name}")
    for name, sql in want.items():
        if have.get(name) == sql:
            continue
        if name in have and kinds[name] == "table":
            raise SystemExit(f"table {name} changed: rebuild the database (delete {path})")
        began = time.perf_counter()
        conn.execute(sql)
        changed.append(f"created {name} ({time.perf_counter() - began:.1f} s)")
    conn.close()
    return changed


async def build_summary_db(path: Path, n: int, days: int) -> float:
    """The summary's database: n events over ``days`` days up to now, folded, plus late
    events in the open hour. Returns the time it was built for (its "now")."""
    await make_schema(path)
    now = time.time()
    start = int(now) - days * DAY
    print(f"[summary] writing {n:,} events over {days} days ...", flush=True)
    seconds = load(path, n, start, days)
    print(f"  written and indexed in {seconds:.1f} s ({n / seconds:,.0f} rows/s)", flush=True)
    seconds = await fold_all(path, start, now)
    print(f"  folded {days} days in {seconds:.1f} s ({seconds / days:.2f} s a day)", flush=True)
    # Late events in the open hour, as live traffic leaves them.
    conn = sqlite3.connect(path, isolation_level=None)
    open_rows = [
        (int(now * 1000) - 1000 * i, *r[1:])
        for i, r in enumerate(next(generate(3000, int(now) - 60, 1, seed=9)))
    ]
    marks = ", ".join("?" for _ in repo.COLUMNS)
    conn.executemany(
        f"INSERT INTO analytics_events ({', '.join(repo.COLUMNS)}) VALUES ({marks})",
        [r for r in open_rows if r[0] >= rollup.hour_floor(now) * 1000],
    )
    conn.close()
    return now


def kept(keep: Path) -> dict | None:
    """What a kept database was built with, or None (then its leftovers are removed)."""
    meta = keep.with_name(keep.name + ".json")
    if keep.exists() and meta.exists():
        return json.loads(meta.read_text())
    for stale in (keep, meta, *(keep.with_name(keep.name + x) for x in ("-wal", "-shm"))):
        stale.unlink(missing_ok=True)
    return None


async def summary_db(tmp: Path, n: int, keep: Path | None, refold: bool) -> tuple[Path, float]:
    """The summary's database and its "now": built in ``tmp``, or kept at ``keep``
    (built there the first time, reused later with its recorded time)."""
    days = 90
    if keep is None:
        path = tmp / "summary.sqlite3"
        return path, await build_summary_db(path, n, days)
    facts = kept(keep)
    if facts is not None:
        if facts["events"] != n:
            raise SystemExit(f"{keep} holds {facts['events']:,} events, not {n:,}")
        fresh = tmp / "fresh.sqlite3"
        await make_schema(fresh)
        print(f"[summary] reusing {keep} (built for {facts['now']:.0f})", flush=True)
        for change in sync_schema(keep, fresh):
            print(f"  schema: {change}", flush=True)
        now = float(facts["now"])
        if refold:
            seconds = await fold_all(keep, int(now) - days * DAY, now)
            print(f"  refolded {days} days in {seconds:.1f} s", flush=True)
        return keep, now
    now = await build_summary_db(keep, n, days)
    keep.with_name(keep.name + ".json").write_text(json.dumps({"now": now, "events": n}))
    return keep, now


async def bench_summary(
    tmp: Path, n: int, runs: int, naive_runs: int, keep: Path | None = None, refold: bool = False
) -> None:
    from core.adapters.sqlite import SQLiteDatabase

    path, now = await summary_db(tmp, n, keep, refold)
    days = 90
    conn = sqlite3.connect(path, isolation_level=None)
    frm, to = rollup.day_floor(now) - days * DAY, rollup.hour_floor(now) + 3600
    total = conn.execute(
        "SELECT count(*) FROM analytics_events WHERE profile_id = ? AND ts >= ? AND ts < ?",
        (PROFILE, frm * 1000, to * 1000),
    ).fetchone()[0]
    open_hour = conn.execute(
        "SELECT count(*) FROM analytics_events WHERE profile_id = ? AND ts >= ? AND ts < ?",
        (PROFILE, rollup.hour_floor(now) * 1000, to * 1000),
    ).fetchone()[0]
    # The open hour is read from raw rows: its size (the minute the database was built
    # for, and the late events) weighs on the summary's time.
    print(
        f"  the profile holds {total:,} events in the range, {open_hour:,} in the open hour",
        flush=True,
    )

    db = SQLiteDatabase(path)
    service = Analytics(db, raw_days=90, now=now)
    await service.summary(PROFILE, frm, to, "day")  # first read: the page cache
    fast = []
    for _ in range(runs):
        began = time.perf_counter()
        summary = await service.summary(PROFILE, frm, to, "day")
        fast.append((time.perf_counter() - began) * 1000)
    hourly = []
    for _ in range(max(5, runs // 4)):
        began = time.perf_counter()
        await service.summary(PROFILE, to - 7 * DAY, to, "hour")
        hourly.append((time.perf_counter() - began) * 1000)
    await db.close()
    slow = []
    for _ in range(naive_runs):
        began = time.perf_counter()
        answer = naive(conn, frm, to)
        slow.append((time.perf_counter() - began) * 1000)
    conn.close()
    p50, p95 = pct(fast, 0.5), pct(fast, 0.95)
    print(f"  summary (90 days, daily): p50 {p50:.1f} ms, p95 {p95:.1f} ms over {runs} runs")
    print(
        f"  summary (7 days, hourly): p50 {pct(hourly, 0.5):.1f} ms, p95 {pct(hourly, 0.95):.1f} ms"
    )
    if not slow:
        return
    views = summary.totals["profile_view"].events
    naive_views = sum(r[2] for r in answer["series"] if r[1] == "profile_view")
    assert views == naive_views, (views, naive_views)
    n50 = statistics.median(slow)
    print(f"  naive GROUP BY over raw rows: median {n50:.0f} ms over {naive_runs} runs")
    print(f"  ratio naive / summary p50: {n50 / p50:.0f}x, naive / p95: {n50 / p95:.0f}x")


def visits_for_ingest(n: int, seed: int = 3) -> list[tuple]:
    rng = random.Random(seed)
    ua_pool = [
        ua.replace("124.0.0.0", f"{v}.0.{rng.randrange(9999)}.0")
        for ua in USER_AGENTS
        for v in range(110, 125)
    ]
    weights = zipf_weights(len(ua_pool), 1.0)
    clients = [f"{rng.getrandbits(128):032x}" for _ in range(n // 3 + 1)]
    out = []
    for _ in range(n):
        country, region, city, tz = rng.choices(COUNTRIES, zipf_weights(len(COUNTRIES)))[0]
        out.append(
            (
                rng.choices(ua_pool, weights)[0],
                rng.choice(clients),
                {"country": country, "region": region, "city": city, "timezone": tz},
                rng.choice(REFERRERS),
                rng.choice(["", "utm_source=ig&utm_medium=social"]),
            )
        )
    return out


class MemoryDirectory:
    """The ingest bench's profile directory: PROFILE, OWNER's, in the consent mode.
    In memory: the product's asks the database (a read a visit), not measured here."""

    async def public_owners(self, db: object, ids: list[str]) -> dict[str, str]:
        return {p: OWNER for p in ids if p == PROFILE}

    async def consent_profiles(self, db: object, ids: list[str]) -> set[str]:
        return {p for p in ids if p == PROFILE}

    async def check_owned(self, owned: object, profile_id: str) -> None:
        raise NotImplementedError


async def ingest_core(tmp: Path, visits: list[tuple], name: str) -> tuple[float, list[tuple]]:
    """Seconds to enrich and write ``visits`` through the core path, and the rows stored."""
    from core.adapters.kv_sqlite import SQLiteKeyValue
    from core.adapters.sqlite import SQLiteDatabase
    from core.analytics.ingest.writer import EventWriter
    from core.clock import SystemClock
    from core.ports import Ports

    path = tmp / f"{name}.sqlite3"
    await make_schema(path)
    db = SQLiteDatabase(path)
    kv = SQLiteKeyValue(tmp / "kv.sqlite3", SystemClock())  # one day's salt for every round
    ports = Ports(
        db=db,
        kv=kv,
        counter=None,
        blobs=None,
        clock=SystemClock(),  # type: ignore[arg-type]
        http=None,
        defer=None,
        kdf=None,
    )  # type: ignore[arg-type]
    directory = MemoryDirectory()
    writer = EventWriter(db)
    # Midday: no visit falls in the half hour after midnight (yesterday's hashes looked up).
    now = time.time() // DAY * DAY + DAY / 2
    began = time.perf_counter()
    for i, (agent, client, facts, ref, query) in enumerate(visits):
        visit = collect.Visit(
            now + i * 0.001, client, agent, facts, ref, query, "h", False, i % 2 == 0
        )
        rows = await collect.enrich(
            ports,
            visit,
            [collect.Pending("profile_view", PROFILE, OWNER, path="/p/b", query=query)],
            directory,  # type: ignore[arg-type]
        )
        writer.add(rows)
        if i % 500 == 499:
            await asyncio.sleep(0)  # let the writer's flushes run, as a server would
    await writer.close()
    seconds = time.perf_counter() - began
    columns = ", ".join(repo.COLUMNS)
    found = await db.all(f"SELECT {columns} FROM analytics_events ORDER BY id")
    stored = [tuple(r.values()) for r in found]
    await db.close()
    await kv.close()
    return seconds, stored


async def ingest_raw(tmp: Path, rows: list[tuple], name: str) -> tuple[float, list[tuple]]:
    """Seconds for sqlite3's executemany of ``rows`` (500 a transaction, as the writer
    batches), on the same schema and indexes, and the rows stored."""
    path = tmp / f"{name}.sqlite3"
    await make_schema(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")  # as the adapter runs it (WAL: the file's)
    marks = ", ".join("?" for _ in repo.COLUMNS)
    sql = f"INSERT INTO analytics_events ({', '.join(repo.COLUMNS)}) VALUES ({marks})"
    began = time.perf_counter()
    for i in range(0, len(rows), 500):
        conn.execute("BEGIN")
        conn.executemany(sql, rows[i : i + 500])
        conn.execute("COMMIT")
    seconds = time.perf_counter() - began
    stored = conn.execute(
        f"SELECT {', '.join(repo.COLUMNS)} FROM analytics_events ORDER BY id"
    ).fetchall()
    conn.close()
    return seconds, stored


def spread(values: list[float], fmt: str = ",.0f") -> str:
    """A median and its range: '12,345 (11,000-13,000)'."""
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def remove_rounds(tmp: Path) -> None:
    for f in [*tmp.glob("core*"), *tmp.glob("raw*")]:
        f.unlink()


async def bench_ingest(tmp: Path, n: int, rounds: int = 5) -> None:
    visits = visits_for_ingest(n)
    agents.warm()
    load = [os.getloadavg()[0]]
    _, rows = await ingest_core(tmp, visits, "warm-up")  # the rows both ways store
    core_rates, raw_rates, ratios = [], [], []
    for r in range(rounds):
        # Alternating which goes first, so drift in the machine's load falls on both.
        if r % 2 == 0:
            core_s, core_rows = await ingest_core(tmp, visits, f"core{r}")
            raw_s, raw_rows = await ingest_raw(tmp, rows, f"raw{r}")
        else:
            raw_s, raw_rows = await ingest_raw(tmp, rows, f"raw{r}")
            core_s, core_rows = await ingest_core(tmp, visits, f"core{r}")
        assert core_rows == rows == raw_rows  # the same rows stored both ways
        core_rates.append(len(rows) / core_s)
        raw_rates.append(len(rows) / raw_s)
        ratios.append(raw_s / core_s)
        load.append(os.getloadavg()[0])
        remove_rounds(tmp)
    hashed = sum(1 for row in rows if row[6] is not None)
    print(
        f"[ingest] {len(rows):,} events ({len(visits) - len(rows):,} bots' dropped, {hashed:,}"
        f" visitor hashes), {rounds} interleaved rounds, load average"
        f" {min(load):.1f}-{max(load):.1f} on {os.cpu_count()} cores:"
    )
    print(f"  core path (enrich + hash + batch writer): {spread(core_rates)} events/s")
    print(
        "  sqlite3 executemany of the same rows (500 a transaction, same indexes):"
        f" {spread(raw_rates)} rows/s"
    )
    print(f"  ratio core / raw: {spread(ratios, '.2f')} (median of the rounds' ratios)")


def _high_water_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def export_loop(path: str, fmt: str) -> Iterator[bytes]:
    """The rewritten loop the export is measured against: sqlite3 keyset pages of
    tuples, csv.writer (or one json.dumps a row), the export's exact bytes."""
    columns = repo.EXPORT_COLUMNS
    sql = (
        f"SELECT {', '.join(columns)} FROM analytics_events"
        " WHERE profile_id = ? AND ts >= ? AND ts < ? AND (ts, id) > (?, ?)"
        " ORDER BY ts, id LIMIT ?"
    )
    conn = sqlite3.connect(path)
    after, first = (-1, 0), True
    yield (",".join(columns) + "\r\n").encode() if fmt == "csv" else b"["
    while True:
        page = conn.execute(sql, (PROFILE, max(0, after[0]), 2**52, *after, 1000)).fetchall()
        if page:
            if fmt == "csv":
                out = io.StringIO()
                csv.writer(out).writerows(page)
                yield out.getvalue().encode()
            else:
                text = ",\n".join(
                    json.dumps(dict(zip(columns, row, strict=True)), separators=(",", ":"))
                    for row in page
                )
                yield (b"\n" if first else b",\n") + text.encode()
                first = False
        if len(page) < 1000:
            break
        after = (page[-1][1], page[-1][0])
    conn.close()
    if fmt == "json":
        yield b"\n]\n"


def export_child(path: str, fmt: str) -> None:
    """Child process: stream the export (``csv``, ``json``) or the loop (``csv-loop``,
    ``json-loop``); report seconds, bytes, their digest and peak RSS as JSON."""
    from core.adapters.sqlite import SQLiteDatabase
    from core.analytics.reports import export

    digest = hashlib.sha256()

    async def run() -> tuple[float, int]:
        db = SQLiteDatabase(path)
        began = time.perf_counter()
        size = 0
        async for chunk in export.stream(db, PROFILE, 0, 2**52, fmt):
            size += len(chunk)
            digest.update(chunk)
        seconds = time.perf_counter() - began
        await db.close()
        return seconds, size

    def loop() -> tuple[float, int]:
        began = time.perf_counter()
        size = 0
        for chunk in export_loop(path, fmt.removesuffix("-loop")):
            size += len(chunk)
            digest.update(chunk)
        return time.perf_counter() - began, size

    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child would
    # report its parent's peak.
    before = _high_water_kb()
    seconds, size = loop() if fmt.endswith("-loop") else asyncio.run(run())
    peak = _high_water_kb()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "bytes": size,
                "sha256": digest.hexdigest(),
                "peak_kb": peak,
                "start_kb": before,
            }
        )
    )


def run_export_child(path: Path, fmt: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "export-child", str(path), fmt],
        check=False,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


async def bench_export(tmp: Path, n: int, rounds: int = 3) -> None:
    path = tmp / "export.sqlite3"
    await make_schema(path)
    now = int(time.time())
    load(path, int(n / 0.9) + 1, now - 30 * DAY, 30)  # nine in ten are PROFILE's
    loads = [os.getloadavg()[0]]
    print(
        f"[export] {n:,} events, each run its own process; {rounds} interleaved rounds"
        " of the export and the rewritten loop (sqlite3 keyset pages, csv.writer):",
        flush=True,
    )
    for fmt in ("csv", "json"):
        runs: dict[str, list[dict]] = {fmt: [], f"{fmt}-loop": []}
        for r in range(rounds):
            order = list(runs) if r % 2 == 0 else list(reversed(runs))
            for which in order:
                runs[which].append(run_export_child(path, which))
                loads.append(os.getloadavg()[0])
        product, loop = runs[fmt], runs[f"{fmt}-loop"]
        digests = {x["sha256"] for x in product + loop}
        assert len(digests) == 1, f"{fmt}: the export's bytes differ from the loop's"
        ratios = [p["seconds"] / q["seconds"] for p, q in zip(product, loop, strict=True)]
        print(
            f"  {fmt}: {product[0]['bytes'] / 1e6:.0f} MB (the same bytes both ways);"
            f" export {spread([x['seconds'] for x in product], '.1f')} s,"
            f" loop {spread([x['seconds'] for x in loop], '.1f')} s;"
            f" export / loop {spread(ratios, '.2f')};"
            f" peak RSS {max(x['peak_kb'] for x in product) / 1024:.0f} MB"
            f" (loop {max(x['peak_kb'] for x in loop) / 1024:.0f} MB)",
            flush=True,
        )
    print(f"  load average {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores")


async def bench_enrich(n: int) -> None:
    from core.adapters.kv_sqlite import SQLiteKeyValue
    from core.clock import SystemClock
    from core.ports import Ports

    visits = visits_for_ingest(n, seed=5)
    distinct = len({v[0] for v in visits})
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        kv = SQLiteKeyValue(Path(tmp) / "kv.sqlite3", SystemClock())
        ports = Ports(
            db=None,
            kv=kv,
            counter=None,
            blobs=None,
            clock=SystemClock(),  # type: ignore[arg-type]
            http=None,
            defer=None,
            kdf=None,
        )  # type: ignore[arg-type]
        began = time.perf_counter()
        agents.warm()
        load_s = time.perf_counter() - began
        now = time.time()
        results = []
        for label in ("cold cache", "warm cache"):
            if label == "cold cache":
                agents.describe.cache_clear()
            began = time.perf_counter()
            for i, (agent, client, facts, ref, query) in enumerate(visits):
                visit = collect.Visit(now + 0.001 * i, client, agent, facts, ref, query, "h", False)
                await collect.enrich(
                    ports,
                    visit,
                    [collect.Pending("profile_view", PROFILE, OWNER, path="/p/b", query=query)],
                    None,
                )
            results.append((label, (time.perf_counter() - began) / n * 1e6))
        await kv.close()
        began = time.perf_counter()
        for agent, *_ in visits[:20000]:
            agents.describe.__wrapped__(agent)
        parse_us = (time.perf_counter() - began) / 20000 * 1e6
    print(
        f"[enrich] parser rules loaded in {load_s * 1000:.0f} ms; {n:,} events,"
        f" {distinct} distinct user agents (power law)"
    )
    for label, us in results:
        print(f"  per event, {label}: {us:.1f} us")
    print(f"  one uncached user-agent parse: {parse_us:.0f} us")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="*", default=["summary", "ingest", "export", "enrich"])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument("--ingest", type=int, default=100_000)
    parser.add_argument("--ingest-rounds", type=int, default=5)
    parser.add_argument("--export", type=int, default=1_000_000)
    parser.add_argument("--export-rounds", type=int, default=3)
    parser.add_argument("--rollup-events", type=int, default=3_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="rollup-wait's rounds")
    parser.add_argument(
        "--db",
        type=Path,
        help="keep the summary's database here: built the first time, reused after"
        " (with the time it was built for; its indexes follow the migrations)",
    )
    parser.add_argument("--refold", action="store_true", help="refold a reused --db database")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-analytics-", dir="/tmp"))
    try:
        if "enrich" in args.what:
            await bench_enrich(50_000)
        if "ingest" in args.what:
            await bench_ingest(tmp, args.ingest, args.ingest_rounds)
        if "export" in args.what:
            await bench_export(tmp, args.export, args.export_rounds)
        if "rollup-wait" in args.what:
            await bench_rollup_wait(tmp, args.rollup_events, args.rounds)
        if "summary" in args.what:
            await bench_summary(tmp, args.events, args.runs, args.naive_runs, args.db, args.refold)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["export-child"]:
        export_child(sys.argv[2], sys.argv[3])
    else:
        asyncio.run(main())
