"""Health: a live check of each dependency, and the scheduled checks.

The five-minute job checks the database, KV, the blob store, the rate-limit
counter and the GitHub API, each with a timeout, and records a SystemHealth
row per dependency (healthy, degraded or down, response time, error rate over
the last hour). A dependency that is down opens a built-in alert
(``health:<name>``, no owner: admins see it in ``/api/alerts?scope=platform``),
resolved by the system when the dependency is healthy again.
``GET /api/health`` answers 200 while the product answers at all, with a live
probe of each dependency and the latest recorded row of each."""

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
from core.github import any_sync_jobs
from core.ids import new_id
from core.jobs.dispatcher import JobContext
from core.monitoring import repo
from core.monitoring.alerts import lifecycle
from core.ports import Ports
from core.resilience import degraded

LAST_CHECK_KEY = "health:last"
CHECK_TIMEOUT = 2.0
SLOW_MS = 1000.0  # a dependency answering slower than this is degraded
ERROR_RATE_WINDOW = 3600.0

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


async def check_github(ports: Ports, api_url: str) -> dict[str, Any]:
    """GitHub's ``/rate_limit`` (free of the quota): degraded when it is exhausted."""
    t0 = time.perf_counter()
    try:
        response = await ports.http.request(
            "GET",
            api_url.rstrip("/") + "/rate_limit",
            headers={"accept": "application/vnd.github+json", "user-agent": "creator-edge-health"},
            timeout=CHECK_TIMEOUT,
        )
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__, "latency_ms": _ms(t0)}
    latency = _ms(t0)
    if response.status >= 500:
        return {"status": "down", "error": f"HTTP {response.status}", "latency_ms": latency}
    if response.status in (403, 429):
        return {"status": "degraded", "error": "rate limited", "latency_ms": latency}
    return {"status": "ok", "latency_ms": latency}


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 2)


def _status(check: dict[str, Any]) -> str:
    if check["status"] == "down":
        return "down"
    if check["status"] == "degraded" or float(check.get("latency_ms") or 0) > SLOW_MS:
        return "degraded"
    return "healthy"


async def record_health(ctx: JobContext) -> None:
    """The five-minute job: check every dependency, record a row each, and open or
    resolve the built-in alerts; the result is also kept in KV."""
    ports, now = ctx.ports, ctx.scheduled_time
    checks = await check_dependencies(ports)
    if await any_sync_jobs(ports.db):  # no GitHub link, no call to GitHub (issue 17)
        checks["github_api"] = await check_github(ports, ctx.settings.github_api_url)
    since = now - ERROR_RATE_WINDOW
    past = await ports.db.all(
        "SELECT service_name, COUNT(*) AS n, SUM(status != 'healthy') AS bad FROM system_health"
        " WHERE checked_at >= ? GROUP BY service_name",
        since,
    )
    history = {r["service_name"]: (r["n"], r["bad"] or 0) for r in past}
    statements = []
    for name, check in checks.items():
        status = _status(check)
        n, bad = history.get(name, (0, 0))
        error_rate = round(100 * (bad + (status != "healthy")) / (n + 1), 2)
        row: repo.HealthRow = {
            "id": new_id(now),
            "service_name": name,
            "status": status,
            "response_time_ms": round(check["latency_ms"]) if "latency_ms" in check else None,
            "error_rate": error_rate,
            "last_error": check.get("error"),
            "metadata": json.dumps(
                {k: v for k, v in check.items() if k not in ("status", "error")}
            ),
            "checked_at": now,
            "created_at": iso(now),
        }
        statements.append(repo.health_statement(row))
    await ports.db.batch(statements)
    for name, check in checks.items():
        source = f"health:{name}"
        if _status(check) == "down":
            await lifecycle.open_builtin(
                ports.db,
                source,
                f"{name} is down",
                f"The scheduled health check found {name} down ({check.get('error')}).",
                check,
                now,
            )
        else:
            await lifecycle.resolve_builtin(ports.db, source, now)
    report = {"checked_at": iso(now), "dependencies": checks}
    await ports.kv.put(LAST_CHECK_KEY, json.dumps(report), ttl=3600)


def _recorded(row: Any) -> dict[str, Any]:
    return {
        "status": row["status"],
        "response_time_ms": row["response_time_ms"],
        "error_rate": row["error_rate"],
        "last_error": row["last_error"],
        "checked_at": iso(row["checked_at"]),
    }


async def _latest_rows(ports: Ports) -> dict[str, Any] | None:
    """The latest SystemHealth row of each dependency; None when the database is down."""
    try:
        rows = await asyncio.wait_for(repo.latest_health(ports.db), timeout=CHECK_TIMEOUT)
    except Exception:
        return None
    return {r["service_name"]: _recorded(r) for r in rows}


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
        "recorded": await _latest_rows(ports),
    }
    return JSONResponse(body, headers={"cache-control": "no-store"})
