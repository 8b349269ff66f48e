"""Benchmark: what a usage-limit check and a flag evaluation add to a request.

The same signed-in handler twice, in interleaved rounds in one process (so the
machine's load falls on both alike): bare, and with ``core.usage.admit`` (the
plan gate's check: the isolate's snapshot, the counting statement built but, as
in a real route, run in the work's own batch, which this handler has none of)
plus the evaluation of every flag (ten flags: rollouts, plan values, overrides)
for the user. The database is watched: the checked path must send it no
statement (target: under 0.1 ms added, 0 statements). Also timed alone, outside
HTTP: the gate's admit and the flag evaluation per call. On a loaded machine the
wall-clock difference is mostly other processes' time, so the CPU time of this
process is printed too (time.process_time).

Run: .venv/bin/python scripts/bench_plans.py [--requests 2000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi import APIRouter, Depends, Request  # noqa: E402

from core.app import create_app  # noqa: E402
from core.data.actor import Actor  # noqa: E402
from core.http.context import SCOPE_KEY, RequestContext, request_context  # noqa: E402
from core.identity.auth import current_actor  # noqa: E402
from core.local import LocalRuntime, load_settings  # noqa: E402
from core.plans.flags.evaluate import evaluate_all  # noqa: E402
from core.plans.flags.store import flag_cache  # noqa: E402
from core.plans.snapshot import cache_of  # noqa: E402
from core.usage import Meter, admit  # noqa: E402
from scripts.asgi_bench import mean_time  # noqa: E402
from scripts.bench_auth import CountingDatabase  # noqa: E402

FLAGS = 10


def routes() -> APIRouter:
    router = APIRouter()

    @router.get("/bench/bare")
    async def bare(actor: Actor = Depends(current_actor)) -> dict:
        return {"ok": True}

    @router.get("/bench/checked")
    async def checked(request: Request, actor: Actor = Depends(current_actor)) -> dict:
        admission = await admit(request, actor.user_id, Meter.POSTS)
        ports = request_context(request.scope).ports
        flags = await flag_cache(request.app.state).current(ports)
        tier = (await cache_of(request.app.state).get(ports, actor.user_id)).tier
        values = evaluate_all(flags, actor.user_id, tier)
        return {"ok": bool(admission.statements), "flags": len(values)}

    return router


async def main(requests: int, rounds: int) -> None:
    from tests.conftest import bearer, make_client, register

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            {}, data_dir=Path(tmp), rate_limit=10**9, run_cron=False, password_iterations=1000
        )
        runtime = LocalRuntime(settings, run_scheduler=False)
        await runtime.startup()
        app = create_app(settings, runtime)
        app.include_router(routes())
        async with make_client(app) as client:
            await register(client, "flagadmin")
            from core.identity import set_role_by_login

            await set_role_by_login(runtime.ports({}), "flagadmin", "admin")
            login = await client.post(
                "/api/auth/login",
                json={"username": "flagadmin", "password": "correct horse battery"},
            )
            client.headers.update(bearer(login.json()))
            me = login.json()["user"]["id"]
            for n in range(FLAGS):
                body = [
                    {"rollout_percent": 20},
                    {"plan_values": {"pro": True}, "default_on": True},
                    {"user_overrides": {me: True, "OTHER": False}},
                ][n % 3]
                answer = await client.put(f"/api/admin/flags/bench_{n}", json=body)
                assert answer.status_code == 200, answer.text
            # Business: no post limit, so every check of the run is admitted.
            await client.get("/api/subscription")
            await runtime.database.run("UPDATE subscriptions SET tier = 'business'")
            headers = [(k.encode(), v.encode()) for k, v in client.headers.items()]
        headers = [h for h in headers if h[0] in (b"authorization", b"user-agent")]
        headers.append((b"host", b"bench"))
        ports = runtime.ports({})
        counting = CountingDatabase(ports.db)
        await mean_time(app, "/bench/bare", headers, 300)
        await mean_time(app, "/bench/checked", headers, 300)  # warm: the isolate's copies
        # Watched from here: the copies are warm, as in a live isolate.
        ports.db = counting  # type: ignore[assignment]
        bare_t, checked_t, bare_cpu, checked_cpu = [], [], [], []
        for _ in range(rounds):
            for path, wall, cpu in (
                ("/bench/bare", bare_t, bare_cpu),
                ("/bench/checked", checked_t, checked_cpu),
            ):
                c0 = time.process_time()
                wall.append(await mean_time(app, path, headers, requests))
                cpu.append((time.process_time() - c0) / requests)
        diffs = sorted((c - b) * 1e3 for b, c in zip(bare_t, checked_t, strict=True))
        print(f"load average            : {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"request, signed in      : {statistics.median(bare_t) * 1e6:7.1f} us")
        print(f"  + usage check + flags : {statistics.median(checked_t) * 1e6:7.1f} us")
        print(
            f"the check and {FLAGS} flags add : {statistics.median(diffs):.4f} ms"
            f" (per-round range {diffs[0]:.4f} to {diffs[-1]:.4f}; target < 0.1 ms)"
        )
        cpu_diffs = sorted((c - b) * 1e3 for b, c in zip(bare_cpu, checked_cpu, strict=True))
        print(
            f"  in CPU time (this process only): {statistics.median(cpu_diffs):.4f} ms"
            f" (range {cpu_diffs[0]:.4f} to {cpu_diffs[-1]:.4f})"
        )
        ratios = sorted(c / b for b, c in zip(bare_t, checked_t, strict=True))
        spread = f"{ratios[0]:.3f}-{ratios[-1]:.3f}"
        print(f"checked / bare          : {statistics.median(ratios):.3f}x ({spread})")
        print(
            f"database statements     : {counting.calls} for {rounds * requests * 2} requests"
            " (target 0)"
        )
        await micro(app, ports, me)
        await runtime.shutdown()


async def micro(app, ports, user_id: str) -> None:
    """The two steps alone, per call, outside HTTP."""
    scope = {"type": "http", "app": app, "headers": [], "method": "GET", "path": "/"}
    scope[SCOPE_KEY] = RequestContext("bench", ports, "client", None)
    request = Request(scope)
    cache, flags_cache = cache_of(app.state), flag_cache(app.state)
    n = 20_000
    gate, flag = [], []
    for _ in range(5):
        t0 = time.process_time()
        for _ in range(n):
            await admit(request, user_id, Meter.POSTS)
        gate.append((time.process_time() - t0) / n)
        t0 = time.process_time()
        for _ in range(n):
            flags = await flags_cache.current(ports)
            evaluate_all(flags, user_id, (await cache.get(ports, user_id)).tier)
        flag.append((time.process_time() - t0) / n)
    for name, values in (("admit alone", gate), (f"{FLAGS} flags evaluated", flag)):
        values.sort()
        print(
            f"{name:<24}: {statistics.median(values) * 1e6:7.2f} us a call, CPU time"
            f" (range {values[0] * 1e6:.2f}-{values[-1] * 1e6:.2f}, 5 runs of {n})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds))
