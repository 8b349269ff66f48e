"""Benchmark: the pipeline's ratio to bare FastAPI with server timings on
(monitoring's ``core.observe`` observer: the Server-Timing header, a tuple
buffered per request, the deferred flush that writes them) beside the same app
with them off (monitoring without its observer), interleaved in rounds in one
process so machine noise hits all three alike. The handler is the app's first
route, as in scripts/bench_pipeline.py; the counter is the SQLite file there too.

Run: .venv/bin/python scripts/bench_server_timings.py [--requests 3000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi import FastAPI

from core import monitoring
from core.app import create_app
from core.features import FEATURES
from core.local import LocalRuntime, load_settings
from scripts.bench_pipeline import bench_feature, drive, handler_router


async def main(requests: int, rounds: int) -> None:
    logging.getLogger("creator_edge.access").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            {}, data_dir=Path(tmp), rate_limit=10**9, run_cron=False, rate_counter="file"
        )
        runtime = LocalRuntime(settings, run_scheduler=False)
        await runtime.startup()
        without = tuple(replace(f, provides=()) if f is monitoring.FEATURE else f for f in FEATURES)
        on = create_app(settings, runtime, (bench_feature(), *FEATURES))
        off = create_app(settings, runtime, (bench_feature(), *without))
        assert on.state.request_observer is not None and off.state.request_observer is None
        bare = FastAPI()
        bare.include_router(handler_router())
        apps = {"bare": bare, "on": on, "off": off}
        for app in apps.values():
            await drive(app, 300)
        times: dict[str, list[float]] = {name: [] for name in apps}
        for _ in range(rounds):
            for name, app in apps.items():
                times[name].append(await drive(app, requests))
        ratios = {
            name: [t / b for t, b in zip(times[name], times["bare"], strict=True)]
            for name in ("on", "off")
        }
        print(f"bare FastAPI         : {statistics.median(times['bare']) * 1e6:7.1f} us/request")
        for name, label in (("off", "server timings off"), ("on", "server timings on ")):
            r = ratios[name]
            print(
                f"{label}   : {statistics.median(times[name]) * 1e6:7.1f} us/request,"
                f" ratio {statistics.median(r):.2f}x (range {min(r):.2f}-{max(r):.2f},"
                f" {rounds} rounds of {requests})"
            )
        cost = [a / b for a, b in zip(times["on"], times["off"], strict=True)]
        print(f"on / off             : {statistics.median(cost):.3f}x (median of rounds)")
        await asyncio.sleep(0.5)
        written = on.state.request_observer.written
        print(f"API_RESPONSE_TIME rows written after the responses: {written}")
        await runtime.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds))
