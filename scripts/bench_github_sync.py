"""Benchmark: GitHub sync of many due links against the stand-in GitHub API.

The stand-in (tests/github/standin.py) serves over real HTTP on 127.0.0.1 and
the sync goes through the real httpx adapter and a real SQLite file, in runs
of the cron's request budget (40 by default) until nothing is due. Two passes:
the first fetches every repository (200s); a day later the second sends the
stored ETags and is answered mostly 304 (``--changed`` repositories changed
in between). Reported per pass: wall time, runs, requests sent, 200s, 304s,
and the rate-limit quota spent (an authenticated 304 costs none).

Run: .venv/bin/python scripts/bench_github_sync.py [--links 1000] [--budget 40]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.clock import FrozenClock, iso
from core.data.actor import Actor
from core.data.owned import Owned
from core.github import job_statements_for_link
from core.github.sync import SyncReport, sync_due_jobs
from core.ids import new_id
from core.local import LocalRuntime, load_settings
from core.ports import Statement, stmt
from core.profiles.repo import LINKS, PROFILES
from tests.github.standin import GitHubStandin

TOKEN = "ghp_bench"
LINKS_PER_USER = 100


async def make_links(runtime: LocalRuntime, clock: FrozenClock, count: int) -> None:
    db, now = runtime.ports().db, clock.now()
    stamp = iso(now)
    for first in range(0, count, LINKS_PER_USER):
        user_id, profile_id = new_id(now), new_id(now)
        owned = Owned(db, Actor(user_id, "creator"))
        statements: list[Statement] = [
            stmt(
                "INSERT INTO users (id, email, username, password_hash, created_at, updated_at)"
                " VALUES (?, ?, ?, 'x', ?, ?)",
                user_id,
                f"u{first}@example.com",
                f"u{first}",
                stamp,
                stamp,
            ),
            owned.insert_statement(
                PROFILES,
                {
                    "id": profile_id,
                    "slug": f"bench-{first}",
                    "display_name": "Bench",
                    "created_at": stamp,
                    "updated_at": stamp,
                },
            ),
        ]
        for i in range(first, min(first + LINKS_PER_USER, count)):
            link_id, url = new_id(now), f"https://github.com/bench-org/repo-{i}"
            values = {
                "id": link_id,
                "profile_id": profile_id,
                "title": f"repo {i}",
                "url": url,
                "position": i - first,
                "created_at": stamp,
                "updated_at": stamp,
            }
            statements.append(owned.insert_statement(LINKS, values))
            statements += job_statements_for_link(owned, link_id, url, now)
        await db.batch(statements)


async def sync_pass(runtime: LocalRuntime, settings, budget: int) -> tuple[SyncReport, int, float]:
    """Cron runs until nothing is due: the totals, the number of runs, seconds."""
    total, runs = SyncReport(), 0
    t0 = time.perf_counter()
    while True:
        report = await sync_due_jobs(runtime.ports(), settings, budget=budget)
        if report.claimed == 0:
            break
        runs += 1
        for name in ("claimed", "requests", "updated", "unchanged", "gone", "failed", "limited"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
    return total, runs, time.perf_counter() - t0


async def main(links: int, budget: int, changed: float) -> None:
    clock = FrozenClock(1_790_000_000.0)
    github = await GitHubStandin(clock, limit=1_000_000, token=TOKEN).start()
    for i in range(links):
        github.add("bench-org", f"repo-{i}", stars=i)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            {"GITHUB_API_URL": github.url, "GITHUB_TOKEN": TOKEN},
            data_dir=Path(tmp),
            run_cron=False,
        )
        runtime = LocalRuntime(settings, clock=clock, run_scheduler=False)
        await runtime.startup()
        try:
            await make_links(runtime, clock, links)
            print(f"{links} due GitHub links, {budget} requests a run, stand-in at {github.url}")
            for label in ("first pass (no ETags)", "second pass, a day later", "third pass"):
                quota = github.spent
                report, runs, seconds = await sync_pass(runtime, settings, budget)
                spent = github.spent - quota
                print(
                    f"{label}: {seconds:.2f} s in {runs} runs"
                    f" ({seconds / max(runs, 1) * 1000:.0f} ms a run),"
                    f" {report.requests} requests: {report.updated} x 200,"
                    f" {report.unchanged} x 304, {report.failed + report.limited} failed;"
                    f" quota spent {spent}, saved by 304s {report.unchanged}"
                )
                clock.advance(24 * 3600 + 1)
                for i in range(int(links * changed)):
                    github.repos[f"bench-org/repo-{i}"].stars += 1
        finally:
            await runtime.shutdown()
            await github.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--links", type=int, default=1000)
    parser.add_argument("--budget", type=int, default=40)
    parser.add_argument("--changed", type=float, default=0.05, help="share changed by pass two")
    args = parser.parse_args()
    asyncio.run(main(args.links, args.budget, args.changed))
