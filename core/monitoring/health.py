"""Health: a live check of each dependency, and the last scheduled check."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from core import deps
from core.clock import iso
from core.jobs.dispatcher import JobContext
from core.ports import Ports
from core.resilience import degraded

LAST_CHECK_KEY = "health:last"
CHECK_TIMEOUT = 2.0

router = APIRouter(tags=["monitoring"])


async def _probe(check: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        await asyncio.wait_for(check(), timeout=CHECK_TIMEOUT)
    except TimeoutError:
        return {"status": "down", "error": "timeout", "latency_ms": CHECK_TIMEOUT * 1000}
    except Exception as exc:
        return {
            "status": "down",
            "error": type(exc).__name__,
            "latency_ms": round((time.perf_counter() - t0) * 1000, 2),
        }
    return {"status": "ok", "latency_ms": round((time.perf_counter() - t0) * 1000, 2)}


async def check_dependencies(ports: Ports) -> dict[str, dict[str, Any]]:
    """Probe the database, KV and the blob store at once; the rate-limit counter
    reports itself (every request, this one included, has just used it).

    KV is probed beneath its fallback (``core.resilience``), which would
    otherwise answer for it."""
    kv = getattr(ports.kv, "primary", ports.kv)
    names = ("database", "kv", "blobs")
    checks = (
        lambda: ports.db.first("SELECT 1 AS ok"),
        lambda: kv.get("health:probe"),
        lambda: ports.blobs.head("health/probe"),
    )
    results = await asyncio.gather(*(_probe(c) for c in checks))
    report = dict(zip(names, results, strict=True))
    report["rate_limit_counter"] = degraded(ports.counter) or {"status": "ok"}
    return report


async def record_health(ctx: JobContext) -> None:
    """The five-minute job: check every dependency and keep the result in KV."""
    checks = await check_dependencies(ctx.ports)
    report = {"checked_at": iso(ctx.ports.clock.now()), "dependencies": checks}
    await ctx.ports.kv.put(LAST_CHECK_KEY, json.dumps(report), ttl=3600)


@router.get("/api/health", summary="Liveness and the status of each dependency")
async def health(request: Request, ports: Ports = Depends(deps.ports)) -> JSONResponse:
    """200 while the product answers at all: ``status`` is ``degraded`` and each
    dependency that is down says so (``down``), so a monitor can tell which."""
    checks = await check_dependencies(ports)
    last = None
    if checks["kv"]["status"] == "ok":
        raw = await ports.kv.get(LAST_CHECK_KEY)
        try:
            last = json.loads(raw) if raw else None
        except ValueError:
            last = None
    healthy = all(c["status"] == "ok" for c in checks.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "runtime": request.app.state.runtime.name,
        "version": request.app.version,
        "time": iso(ports.clock.now()),
        "dependencies": checks,
        "down": sorted(name for name, c in checks.items() if c["status"] != "ok"),
        "last_scheduled_check": last,
    }
    return JSONResponse(body, headers={"cache-control": "no-store"})
