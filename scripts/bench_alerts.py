"""Benchmark: one five-minute evaluation of 1000 enabled alert rules over a
month of data, on the local SQLite adapter.

The data: ``--owners`` users (default 200), each with a custom metric sampled
every 15 minutes for 30 days (576,000 rows at the default) and error groups
counted in five-minute buckets; 1000 rules spread over them, a third each
threshold, trend and pattern, windows of 5 to 60 minutes. Each run judges
every rule (a few indexed aggregate queries each) and opens the instances that
fire; rules then stay open or cool down, so every timed run is on a fresh copy
of the rule state. Reported: median wall time of a run with its range, and the
rate. The edge's CPU budget is 30 s a cron invocation (paid plan); D1's query
time is not the worker's CPU, so the local wall time (queries included) is an
upper bound of the CPU a run uses there.

Run: .venv/bin/python scripts/bench_alerts.py [--rules 1000] [--owners 200] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.adapters.sqlite import SQLiteDatabase
from core.clock import iso
from core.migrations import migrate
from core.monitoring.alerts.evaluate import evaluate_rules

DAY = 86400
NOW = 1_790_000_000.0


def seed(path: Path, owners: int, rules: int, rng: random.Random) -> None:
    db = sqlite3.connect(path)
    start = NOW - 30 * DAY
    metric_rows = (
        (
            f"m{o}-{i}",
            f"owner{o}",
            "latency_ms",
            rng.lognormvariate(5, 0.4),
            "ms",
            start + i * 900,
            None,
            None,
            iso(start + i * 900),
        )
        for o in range(owners)
        for i in range(30 * 96)
    )
    db.executemany("INSERT INTO monitoring_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", metric_rows)
    for o in range(owners):
        for g in range(5):
            gid = f"e{o}-{g}"
            db.execute(
                "INSERT INTO error_logs (id, owner_id, scope, fingerprint, error_type, error_name,"
                " error_message, severity, count, first_seen, timestamp, created_at)"
                " VALUES (?, ?, ?, ?, 'javascript', ?, ?, 'medium', 1, ?, ?, ?)",
                (
                    gid,
                    f"owner{o}",
                    f"owner{o}",
                    f"fp{g}",
                    "TypeError" if g % 2 else "RangeError",
                    f"failure {g}",
                    start,
                    NOW,
                    iso(start),
                ),
            )
            db.executemany(
                "INSERT INTO error_counts VALUES (?, ?, ?, ?, ?)",
                (
                    (f"{gid}-{b}", gid, f"owner{o}", int(start) + b * 300, rng.randint(0, 3))
                    for b in range(0, 30 * 288, 6)
                ),
            )
    kinds = ("threshold", "trend", "pattern")
    for r in range(rules):
        kind = kinds[r % 3]
        window = rng.choice([5, 15, 30, 60])
        if kind == "threshold":
            config = {
                "metric": "latency_ms",
                "aggregate": rng.choice(["avg", "max", "count"]),
                "op": ">",
                "value": rng.choice([150, 400, 10_000]),
                "window_minutes": window,
            }
        elif kind == "trend":
            config = {
                "metric": "latency_ms",
                "aggregate": "avg",
                "change_percent": 30,
                "direction": "any",
                "window_minutes": window,
            }
        else:
            config = {
                "pattern": "TypeError: *",
                "count": rng.choice([2, 50]),
                "window_minutes": window,
            }
        db.execute(
            "INSERT INTO alert_rules (id, owner_id, name, condition_type, condition_config,"
            " severity, enabled, notification_channels, webhook_secret, cooldown_minutes,"
            " created_by, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, 'medium', 1, '[]', 's', 30, ?, ?, ?)",
            (
                f"r{r:05d}",
                f"owner{r % owners}",
                f"rule {r}",
                kind,
                json.dumps(config),
                f"owner{r % owners}",
                iso(NOW),
                iso(NOW),
            ),
        )
    db.commit()
    db.close()


async def main(rules: int, owners: int, runs: int) -> None:
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        db = SQLiteDatabase(path)
        await migrate(db)
        await db.close()
        t0 = time.perf_counter()
        seed(path, owners, rules, rng)
        metrics = owners * 30 * 96
        print(
            f"seeded {rules} rules, {metrics} metric rows, {owners * 5} error groups"
            f" in {time.perf_counter() - t0:.1f} s"
        )
        times, fired = [], []
        for _ in range(runs):
            db = SQLiteDatabase(path)
            await db.run("DELETE FROM alert_instances")
            await db.run("UPDATE alert_rules SET last_triggered = NULL")
            t0 = time.perf_counter()
            result = await evaluate_rules(db, NOW)
            times.append(time.perf_counter() - t0)
            fired.append(result.opened)
            assert result.rules == rules and result.failed == 0
            await db.close()
        median = statistics.median(times)
        print(
            f"evaluation of {rules} rules: median {median:.2f} s (range {min(times):.2f}-"
            f"{max(times):.2f}, {runs} runs), {rules / median:.0f} rules/s,"
            f" {statistics.median(fired):.0f} opened a run; edge budget 30 s:"
            f" {30 / median:.0f}x room"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--owners", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.rules, args.owners, args.runs))
