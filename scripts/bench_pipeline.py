"""Benchmark: the cost of the pipeline, and of one rate-limit decision.

1. Mean latency of a request through the full app (request id, client hash,
   body checks, rate limit on the SQLite counter, security and RateLimit
   headers, error envelope) against a bare FastAPI app serving the same handler,
   both driven directly over ASGI in this process, interleaved in rounds so
   machine noise hits both alike. Reported as a ratio (target <= 1.3). The
   handler is the app's first route, as in the bare app, so the figure is the
   pipeline's; the same handler behind all of the product's routes is reported
   apart (FastAPI tries routes in order), and so is the pipeline with the
   counter in memory (what the SQLite write costs).
2. One ``Counter.hit`` on the SQLite counter and on Redis, in microseconds.

Run: .venv/bin/python scripts/bench_pipeline.py [--requests 3000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi import APIRouter, FastAPI

from core.app import create_app
from core.feature import Feature
from core.features import FEATURES
from core.local import LocalRuntime, load_settings
from core.ports import WindowCount
from core.runtime import FixedRuntime
from scripts.asgi_bench import mean_time


def handler_router() -> APIRouter:
    router = APIRouter()

    @router.get("/api/bench")
    async def bench() -> dict:
        return {"ok": True, "items": [1, 2, 3]}

    return router


def bench_feature(*, keep_body_rules: bool = False) -> Feature:
    """The handler as a feature; alone, it keeps the product's body rules, as the
    pipeline checks them on every request."""
    rules = [r for f in FEATURES for r in f.body_rules] if keep_body_rules else []
    return Feature("bench", routers=(handler_router(),), body_rules=rules)


class MemoryCounter:
    """A sliding-window counter in a dict: the pipeline's cost without the file write."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, int], int] = {}

    async def hit(
        self, key: str, *, limit: int, window: int, now: float, cost: int = 1
    ) -> WindowCount:
        index = int(now // window)
        current = self.counts.get((key, index), 0) + cost
        self.counts[(key, index)] = current
        return WindowCount(True, self.counts.get((key, index - 1), 0), current)


HEADERS = [
    (b"host", b"bench"),
    (b"user-agent", b"bench/1.0"),
    (b"accept", b"application/json"),
]


async def drive(app, n: int) -> float:
    """Mean seconds per request over ``n`` sequential requests."""
    return await mean_time(app, "/api/bench", HEADERS, n)


async def counter_cost(counter, n: int) -> float:
    now = time.time()
    t0 = time.perf_counter()
    for i in range(n):
        await counter.hit(f"bench:{i % 50}", limit=10**9, window=60, now=now)
    return (time.perf_counter() - t0) / n * 1e6


async def main(requests: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({}, data_dir=Path(tmp), rate_limit=10**9, run_cron=False)
        runtime = LocalRuntime(settings, run_scheduler=False)
        await runtime.startup()
        full = create_app(settings, runtime, (bench_feature(), *FEATURES))
        last = create_app(settings, runtime, (*FEATURES, bench_feature()))
        memory_runtime = FixedRuntime(replace(runtime.ports(), counter=MemoryCounter()))
        in_memory = create_app(settings, memory_runtime, (bench_feature(keep_body_rules=True),))
        bare = FastAPI()
        bare.include_router(handler_router())
        apps = {"bare": bare, "full": full, "memory": in_memory, "last": last}
        for app in apps.values():
            await drive(app, 300)
        times: dict[str, list[float]] = {name: [] for name in apps}
        for _ in range(rounds):
            for name, app in apps.items():
                times[name].append(await drive(app, requests))
        mean = {name: statistics.median(t) for name, t in times.items()}
        print(
            f"bare FastAPI              : {mean['bare'] * 1e6:8.1f} us/request"
            f" (median of {rounds} rounds of {requests})"
        )
        print(f"creator-edge pipeline     : {mean['full'] * 1e6:8.1f} us/request")
        print(f"pipeline ratio            : {mean['full'] / mean['bare']:8.2f}x  (target <= 1.30)")
        print(
            f"  with the counter in RAM : {mean['memory'] / mean['bare']:8.2f}x"
            "  (the difference is the SQLite counter's write)"
        )
        print(
            f"  behind all {len(last.routes)} routes    : {mean['last'] / mean['bare']:8.2f}x"
            "  (FastAPI tries routes in order)"
        )
        sqlite_us = await counter_cost(runtime.ports().counter, 20000)
        print(f"rate-limit decision, SQLite counter: {sqlite_us:7.1f} us")
        await runtime.shutdown()

    from redis.asyncio import Redis

    from core.adapters.kv_redis import RedisCounter

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    client = Redis.from_url(url)
    try:
        await client.ping()
    except Exception as exc:
        print(f"rate-limit decision, Redis counter : skipped ({type(exc).__name__})")
    else:
        counter = RedisCounter(client, prefix=f"bench:{os.getpid()}:")
        await counter_cost(counter, 500)
        print(f"rate-limit decision, Redis counter : {await counter_cost(counter, 10000):7.1f} us")
    finally:
        await client.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds))
