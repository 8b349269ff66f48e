"""Benchmark: the cost of the pipeline, and of one rate-limit decision.

1. Mean latency of a request through the full app (request id, client hash,
   body checks, rate limit on the SQLite counter, security and RateLimit
   headers, error envelope) against a bare FastAPI app serving the same handler,
   both driven directly over ASGI in this process, interleaved in rounds so
   machine noise hits both alike. Reported as a ratio (target <= 1.3). The
   handler is the app's first route, as in the bare app, so the figure is the
   pipeline's; the same handler behind all of the product's routes is reported
   apart (FastAPI tries routes in order), and so is the pipeline with the
   counter in memory (the default of one ``serve`` process) against the SQLite
   file (``CREATOR_EDGE_RATE_COUNTER=file``: what the file write costs).
2. One ``Counter.hit`` in memory, on the SQLite file and on Redis, in
   microseconds, and the ``limits`` library's sliding window on the same Redis
   (``limits`` is a test-extra dependency, for this comparison only): median of
   interleaved rounds, with the range.

Run: .venv/bin/python scripts/bench_pipeline.py [--requests 3000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
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
from core.local_logging import ACCESS_LOGGER, LOG_FORMAT, buffer_access_log, lean_log_records
from core.runtime import FixedRuntime
from core.security.memory_counter import MemoryCounter
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
        settings = load_settings(
            {}, data_dir=Path(tmp), rate_limit=10**9, run_cron=False, rate_counter="file"
        )
        runtime = LocalRuntime(settings, run_scheduler=False)
        await runtime.startup()
        full = create_app(settings, runtime, (bench_feature(), *FEATURES))
        last = create_app(settings, runtime, (*FEATURES, bench_feature()))
        memory_runtime = FixedRuntime(replace(runtime.ports(), counter=MemoryCounter()))
        in_memory = create_app(settings, memory_runtime, (bench_feature(keep_body_rules=True),))
        # FastAPI's own OpenTelemetry check off, as create_app has it: the ratio is the pipeline's.
        bare = FastAPI(telemetry={"tracing": False, "metrics": False, "logs": False})
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
            f" ({mean['memory'] * 1e6:.1f} us)"
            "  (the default of one process; the difference is the SQLite file's write)"
        )
        print(
            f"  behind all {len(last.routes)} routes    : {mean['last'] / mean['bare']:8.2f}x"
            "  (FastAPI tries routes in order)"
        )
        print_access_log(await access_log_rounds(in_memory, rounds, requests, Path(tmp)))
        sqlite_counter = runtime.ports().counter
        decisions = {"memory": MemoryCounter(), "SQLite file": sqlite_counter}
        print_decisions(await decision_rounds(decisions, rounds, 20000))
        await runtime.shutdown()

    from limits.aio.storage import RedisStorage
    from limits.aio.strategies import SlidingWindowCounterRateLimiter
    from redis.asyncio import Redis

    from core.adapters.kv_redis import RedisCounter, from_url

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    client = from_url(url)
    try:
        await client.ping()
    except Exception as exc:
        print(f"rate-limit decision, Redis counter : skipped ({type(exc).__name__})")
        await client.aclose()
        return
    prefix = f"bench:{os.getpid()}:"
    storage = RedisStorage(f"async+{url}", implementation="redispy", key_prefix=prefix + "limits")
    reference = LimitsCounter(SlidingWindowCounterRateLimiter(storage))
    # The same counter over redis-py's plain pool (what ``limits`` uses): what the
    # product's blocking pool (a Condition and a timeout a call) costs.
    plain = Redis.from_url(url, decode_responses=True, socket_timeout=2.0)
    try:
        on_redis = {
            "Redis counter": RedisCounter(client, prefix=prefix),
            "Redis, plain pool": RedisCounter(plain, prefix=prefix + "plain:"),
            "limits": reference,
        }
        figures = await decision_rounds(on_redis, rounds, 3000)
        print_decisions(figures)
        ratio = statistics.median(
            a / b for a, b in zip(figures["Redis counter"], figures["limits"], strict=True)
        )
        print(
            f"Redis counter / limits' sliding window, same server: {ratio:.2f}x (median of rounds)"
        )
        plain_ratio = statistics.median(
            a / b for a, b in zip(figures["Redis, plain pool"], figures["limits"], strict=True)
        )
        print(f"  the same counter on a plain pool / limits: {plain_ratio:.2f}x (median of rounds)")
    finally:
        keys = [key async for key in client.scan_iter(match=f"*{prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()
        await plain.aclose()


async def access_log_rounds(app, rounds: int, n: int, tmp: Path) -> dict[str, list[float]]:
    """Seconds per request with the access log off, written inline to a file
    (a plain StreamHandler, stock records), and as ``serve`` does: lean records
    gathered and written in batches."""
    logger = logging.getLogger(ACCESS_LOGGER)
    figures: dict[str, list[float]] = {"off": [], "inline": [], "batched": []}
    with (tmp / "inline.log").open("a") as inline_file, (tmp / "queued.log").open("a") as queued:
        inline = logging.StreamHandler(inline_file)
        inline.setFormatter(logging.Formatter(LOG_FORMAT))
        for _ in range(rounds):
            logger.handlers[:], logger.propagate = [], False
            logger.setLevel(logging.WARNING)
            figures["off"].append(await drive(app, n))
            logger.setLevel(logging.INFO)
            logger.handlers[:] = [inline]
            figures["inline"].append(await drive(app, n))
            stock = (logging._srcfile, logging.logThreads, logging.logProcesses)  # type: ignore[attr-defined]
            lean_log_records()
            listener = buffer_access_log(queued)
            figures["batched"].append(await drive(app, n))
            listener.close()
            logging._srcfile, logging.logThreads, logging.logProcesses = stock  # type: ignore[attr-defined]
            logging.logMultiprocessing = True
        logger.handlers[:], logger.propagate = [], True
    return figures


def print_access_log(figures: dict[str, list[float]]) -> None:
    off = figures["off"]
    for name in ("inline", "batched"):
        added = [(t - o) * 1e6 for t, o in zip(figures[name], off, strict=True)]
        print(
            f"access log {name:6}: +{statistics.median(added):5.1f} us/request over none"
            f" (range {min(added):.1f}-{max(added):.1f})"
        )


class LimitsCounter:
    """The ``limits`` library's sliding window counter behind the ``hit`` the bench calls."""

    def __init__(self, limiter) -> None:
        from limits import RateLimitItemPerMinute

        self._limiter = limiter
        self._item = RateLimitItemPerMinute(10**9)

    async def hit(self, key: str, *, limit: int, window: int, now: float, cost: int = 1) -> bool:
        return await self._limiter.hit(self._item, key, cost=cost)


async def decision_rounds(counters: dict, rounds: int, n: int) -> dict[str, list[float]]:
    """Microseconds per decision of each counter, ``rounds`` times, interleaved."""
    for counter in counters.values():
        await counter_cost(counter, 300)
    figures: dict[str, list[float]] = {name: [] for name in counters}
    for _ in range(rounds):
        for name, counter in counters.items():
            figures[name].append(await counter_cost(counter, n))
    return figures


def print_decisions(figures: dict[str, list[float]]) -> None:
    for name, times in figures.items():
        print(
            f"rate-limit decision, {name:17}: {statistics.median(times):7.1f} us"
            f" (range {min(times):.1f}-{max(times):.1f})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds))
