"""Monitoring over HTTP: the public vitals and error beacons, custom metrics,
the percentile API and the owner's error list."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from core.analytics import ProfileDirectory
from core.clock import UtcTime, iso
from core.data.actor import Actor
from core.data.owned import Owned
from core.deps import ports as ports_of
from core.errors import Invalid
from core.feature import provided
from core.http.context import request_context
from core.identity import current_actor, optional_actor, owned
from core.ids import new_id
from core.monitoring import errorlog, repo, vitals
from core.monitoring.models import (
    ErrorGroup,
    ErrorPatch,
    ErrorReport,
    MetricsIn,
    Performance,
    VitalsBeacon,
    parse_body,
)
from core.monitoring.sketch import RELATIVE_ERROR
from core.ports import Ports
from core.security.limits import limit_key, per_client
from core.security.ratelimit import Policy

log = logging.getLogger("creator_edge.monitoring")
router = APIRouter(tags=["monitoring"])

# Shapes the edge already binds (tests/edge/test_build.py): 120 and 30 a minute.
VITALS_POLICY = Policy("vitals", 120, 60)
ERRORS_POLICY = Policy("client_errors", 30, 60)
METRICS_POLICY = Policy("metrics", 120, 60)
MAX_RANGE = timedelta(days=366)
DEFAULT_RANGE = timedelta(days=7)


def _private(request: Request) -> bool:
    """Do Not Track or Global Privacy Control: no session, no user agent kept."""
    headers = request.headers
    return headers.get("dnt") == "1" or headers.get("sec-gpc") == "1"


def _owners(request: Request) -> vitals.Owners:
    directory = provided(request.app.state.features, ProfileDirectory)  # type: ignore[type-abstract]
    return vitals.Owners(directory)


def _after_response(request: Request, work: object) -> None:
    request_context(request.scope).ports.defer(work)  # type: ignore[arg-type]


async def _logged(work: object, what: str) -> None:
    try:
        await work  # type: ignore[misc]
    except Exception:  # a lost beacon is logged, never a failed request
        log.exception("monitoring: a %s could not be stored", what)


@router.post(
    "/api/monitoring/vitals",
    status_code=202,
    dependencies=[Depends(per_client(VITALS_POLICY))],
    summary="Web-vitals beacon (LCP, INP, CLS, FCP, TTFB): JSON, or text/plain from sendBeacon",
)
async def post_vitals(request: Request) -> Response:
    beacon: VitalsBeacon = parse_body(await request.body(), VitalsBeacon)
    ports = request_context(request.scope).ports
    work = vitals.store_beacon(
        ports, _owners(request), beacon, at=ports.clock.now(), private=_private(request)
    )
    _after_response(request, _logged(work, "vitals beacon"))
    return JSONResponse({"received": len(beacon.metrics)}, status_code=202)


@router.post(
    "/api/monitoring/errors",
    status_code=202,
    dependencies=[Depends(per_client(ERRORS_POLICY))],
    summary="A client error report (sanitised and grouped before storage)",
)
async def post_error(request: Request, actor: Actor | None = Depends(optional_actor)) -> Response:
    report: ErrorReport = parse_body(await request.body(), ErrorReport)
    ctx = request_context(request.scope)
    ports = ctx.ports
    private = _private(request)
    owners = _owners(request)

    async def store() -> None:
        owner = await owners.of(ports.db, report.profile_id)
        if owner is None and actor is not None:
            owner = actor.user_id
        await errorlog.record_report(
            ports.db,
            report,
            owner_id=owner,
            at=ports.clock.now(),
            private=private,
            user_agent=ctx.user_agent,
        )

    _after_response(request, _logged(store(), "error report"))
    return JSONResponse({"received": 1}, status_code=202)


@router.post(
    "/api/monitoring/metrics",
    status_code=201,
    summary="Custom metrics of the signed-in user",
)
async def post_metrics(
    request: Request,
    body: MetricsIn,
    actor: Actor = Depends(current_actor),
    ports: Ports = Depends(ports_of),
) -> JSONResponse:
    await limit_key(request, METRICS_POLICY, f"user:{actor.user_id}")
    now = ports.clock.now()
    rows = [
        (
            new_id(now),
            actor.user_id,
            m.name,
            m.value,
            m.unit,
            now,
            m.session_id,
            None if m.metadata is None else _json(m.metadata),
            iso(now),
        )
        for m in body.metrics
    ]
    await repo.insert_metrics(ports.db, rows)
    return JSONResponse({"stored": len(rows), "ids": [r[0] for r in rows]}, status_code=201)


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _range(start: datetime | None, end: datetime | None, now: float) -> tuple[int, int]:
    hour = 3600
    to = _utc(end) if end is not None else datetime.fromtimestamp(-(-int(now) // hour) * hour, UTC)
    frm = _utc(start) if start is not None else to - DEFAULT_RANGE
    if frm >= to:
        raise Invalid("'from' must be before 'to'.", code="bad_range")
    if to - frm > MAX_RANGE:
        raise Invalid("The range is longer than 366 days.", code="range_too_long")
    # Whole hours: rollups are hourly.
    lo = int(frm.timestamp()) // hour * hour
    hi = -(-int(to.timestamp()) // hour) * hour
    return lo, hi


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@router.get(
    "/api/monitoring/performance",
    response_model=Performance,
    response_model_by_alias=True,
    summary="p50, p75 and p95 of each vital, per page and device, from the hourly rollups",
)
async def performance(
    start: UtcTime | None = Query(default=None, alias="from"),
    end: UtcTime | None = Query(default=None, alias="to"),
    metric: Literal["LCP", "INP", "CLS", "FCP", "TTFB"] | None = None,
    page: str | None = Query(default=None, max_length=512),
    device: Literal["mobile", "tablet", "desktop", "unknown"] | None = None,
    group_by: Literal["none", "page", "device", "page,device"] = "none",
    owner: Owned = Depends(owned),
    ports: Ports = Depends(ports_of),
) -> Performance:
    lo, hi = _range(start, end, ports.clock.now())
    groups = () if group_by == "none" else tuple(group_by.split(","))
    items = await vitals.percentiles(
        ports.db, owner.owner_id, lo, hi, metric=metric, page=page, device=device, group_by=groups
    )
    return Performance(start=iso(lo), end=iso(hi), relative_error=RELATIVE_ERROR, items=items)


@router.get("/api/monitoring/errors", summary="My error groups, most recent first")
async def list_errors(
    resolved: bool | None = None,
    severity: Literal["low", "medium", "high", "critical"] | None = None,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
    owner: Owned = Depends(owned),
) -> dict[str, object]:
    page = await errorlog.list_groups(
        owner, resolved=resolved, severity=severity, limit=limit, cursor=cursor
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.patch(
    "/api/monitoring/errors/{id}",
    response_model=ErrorGroup,
    summary="Resolve or reopen an error group",
)
async def patch_error(
    id: str, body: ErrorPatch, owner: Owned = Depends(owned), ports: Ports = Depends(ports_of)
) -> ErrorGroup:
    return await errorlog.set_resolved(owner, id, body.resolved, ports.clock.now())
