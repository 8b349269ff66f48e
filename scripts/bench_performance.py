"""Benchmark: the percentile API's query over 5 million vitals, against
computing the same percentiles from the raw rows.

One owner's month: ``--vitals`` values (default 5,000,000) of the five vitals
over 30 days, 10 pages and 3 device types, written straight into
performance_data (SQLite), then folded by the hourly rollup (every hour of the
month, the hourly job's own code) into hour and day sketches. Timed:

- the API's query (``vitals.percentiles``: the rollup rows of the range, their
  sketches merged, p50/p75/p95) for ranges of 1, 7 and 30 days with partial
  days at both ends (hour rows there), all metrics, grouped by device;
- the same percentiles computed exactly from the raw rows (an indexed range
  scan per metric, values sorted in SQLite).

Reported: p95 and median of the query over ``--queries`` runs, the raw
computation's median, their ratio, and the largest relative error seen.

Run: .venv/bin/python scripts/bench_performance.py [--vitals 5000000] [--queries 40]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.adapters.sqlite import SQLiteDatabase
from core.migrations import migrate
from core.monitoring import vitals
from core.monitoring.thresholds import VITALS, rate

HOUR, DAY = 3600, 86400
END = 1_790_006_400  # a day boundary
START = END - 30 * DAY
OWNER = "owner-1"
PAGES = [f"/p/page{i}" for i in range(10)]
DEVICES = ["mobile", "tablet", "desktop"]
SHAPE = {
    "LCP": (7.6, 0.5),
    "INP": (5.0, 0.7),
    "CLS": (-3.0, 1.0),
    "FCP": (7.2, 0.5),
    "TTFB": (6.2, 0.6),
}


def seed(path: Path, n: int) -> None:
    rng = random.Random(5)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")

    def rows():
        for i in range(n):
            metric = VITALS[i % 5]
            mu, sigma = SHAPE[metric]
            value = rng.lognormvariate(mu, sigma)
            at = START + (i / n) * (END - START)
            yield (
                f"v{i:09d}",
                OWNER,
                None,
                None,
                metric,
                value,
                "score" if metric == "CLS" else "ms",
                rate(metric, value),
                PAGES[rng.randrange(10)],
                DEVICES[rng.randrange(3)],
                None,
                at,
                "2026-01-01T00:00:00Z",
            )

    db.executemany(
        "INSERT INTO performance_data VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows()
    )
    db.commit()
    db.close()


async def exact(
    db: SQLiteDatabase, start: int, end: int
) -> dict[tuple[str, str], tuple[float, ...]]:
    out = {}
    for metric in VITALS:
        for device in DEVICES:
            rows = await db.all(
                "SELECT metric_value AS v FROM performance_data WHERE owner_id = ?"
                " AND metric_type = ? AND timestamp >= ? AND timestamp < ? AND device_type = ?"
                " ORDER BY metric_value",
                OWNER,
                metric,
                start,
                end,
                device,
            )
            values = [r["v"] for r in rows]
            out[(metric, device)] = tuple(
                values[math.floor(q * (len(values) - 1))] for q in (0.5, 0.75, 0.95)
            )
    return out


async def main(n: int, queries: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        db = SQLiteDatabase(path)
        await migrate(db)
        await db.close()
        t0 = time.perf_counter()
        seed(path, n)
        print(f"seeded {n} vitals in {time.perf_counter() - t0:.0f} s")
        db = SQLiteDatabase(path)
        t0 = time.perf_counter()
        for hour in range(START, END, HOUR):
            await vitals.rollup_hour(db, hour)
        rollups = (await db.first("SELECT COUNT(*) AS n FROM performance_rollups"))["n"]
        print(f"rolled up 720 hours into {rollups} rows in {time.perf_counter() - t0:.0f} s")

        ranges = [(END - d * DAY - 5 * HOUR, END - 7 * HOUR) for d in (1, 7, 30) if d < 30]
        ranges.append((START, END))
        latencies: list[float] = []
        for i in range(queries):
            start, end = ranges[i % len(ranges)]
            t0 = time.perf_counter()
            items = await vitals.percentiles(db, OWNER, start, end, group_by=("device",))
            latencies.append(time.perf_counter() - t0)
            assert len(items) == 15
        latencies.sort()
        p95 = latencies[math.ceil(0.95 * len(latencies)) - 1]
        raw_times, worst = [], 0.0
        for start, end in ranges:
            t0 = time.perf_counter()
            truth = await exact(db, start, end)
            raw_times.append(time.perf_counter() - t0)
            items = await vitals.percentiles(db, OWNER, start, end, group_by=("device",))
            for item in items:
                for got, want in zip(
                    (item.p50, item.p75, item.p95),
                    truth[(item.metric, item.device_type)],
                    strict=True,
                ):
                    worst = max(worst, abs(got - want) / want)
        print(
            f"percentile API over {n} vitals: p95 {p95 * 1000:.1f} ms, median"
            f" {statistics.median(latencies) * 1000:.1f} ms ({queries} queries of 1, 7 and 30 days)"
        )
        print(
            f"exact from raw rows: median {statistics.median(raw_times) * 1000:.0f} ms"
            f" (range {min(raw_times) * 1000:.0f}-{max(raw_times) * 1000:.0f});"
            f" ratio raw / API {statistics.median(raw_times) / statistics.median(latencies):.0f}x"
        )
        print(f"largest relative error against exact: {worst * 100:.3f} % (stated: 1 %)")
        await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vitals", type=int, default=5_000_000)
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(main(args.vitals, args.queries))
