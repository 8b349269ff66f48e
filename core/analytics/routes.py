"""Analytics over HTTP: the public beacon, and each owner's summary, heatmap and export."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import ValidationError

from core.analytics.ingest import collect
from core.analytics.models import (
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    SERVER_TYPES,
    Beacon,
    Heatmap,
    Summary,
)
from core.analytics.profile_directory import ProfileDirectory
from core.analytics.reports import export
from core.analytics.reports.service import Analytics, ceil_to
from core.clock import UtcTime
from core.data.owned import Owned
from core.deps import ports as ports_of
from core.errors import BadRequest, Invalid, NotFound, PayloadTooLarge
from core.feature import provided
from core.identity import owned
from core.ports import Ports
from core.security.limits import per_client
from core.security.ratelimit import Policy

router = APIRouter(tags=["analytics"])

COLLECT = Policy("collect", 120, 60)
COLLECT_PER_CLIENT = per_client(COLLECT)
MAX_HOURLY_RANGE = timedelta(days=31)
MAX_RANGE = timedelta(days=731)
DEFAULT_RANGE = timedelta(days=30)


# ---------------------------------------------------------------- the beacon


def _allowed_origin(request: Request) -> str | None:
    """The request's Origin when it is this product's own (pages are served from it)."""
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin if origin is not None and origin == own else None


def _cors(request: Request, response: Response) -> Response:
    origin = _allowed_origin(request)
    if origin is not None:
        response.headers["access-control-allow-origin"] = origin
        response.headers["vary"] = "Origin"
    return response


@router.options("/api/collect", include_in_schema=False)
async def collect_preflight(request: Request) -> Response:
    response = Response(status_code=204)
    if _allowed_origin(request) is not None:
        response.headers["access-control-allow-methods"] = "POST"
        response.headers["access-control-allow-headers"] = "content-type"
        response.headers["access-control-max-age"] = "86400"
    return _cors(request, response)


def parse_beacon(body: bytes) -> Beacon:
    """A beacon batch, or the error to answer: 400 malformed, 413 too large, 422 invalid."""
    if len(body) > MAX_BATCH_BYTES:
        raise PayloadTooLarge(details={"max_bytes": MAX_BATCH_BYTES})
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The beacon is not valid JSON.", code="malformed_json") from None
    except RecursionError:  # nested deeper than the parser goes: no beacon is
        raise BadRequest("The beacon is nested too deeply.", code="malformed_json") from None
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise BadRequest('A beacon is {"events": [...]}.', code="malformed_beacon")
    if len(data["events"]) > MAX_BATCH_EVENTS:
        raise Invalid(
            f"A beacon carries at most {MAX_BATCH_EVENTS} events.",
            details={"max_events": MAX_BATCH_EVENTS},
        )
    for event in data["events"]:
        if isinstance(event, dict) and event.get("type") in SERVER_TYPES:
            raise Invalid(
                f"Only the server records {event['type']} events.",
                details=[{"loc": ["events", "type"], "msg": "not accepted from a beacon"}],
            )
    try:
        return Beacon.model_validate(data)
    except ValidationError as exc:
        details = [
            {"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors(include_input=False)
        ]
        raise Invalid("An event of the beacon is invalid.", details=details) from None


@router.post(
    "/api/collect",
    status_code=202,
    dependencies=[Depends(COLLECT_PER_CLIENT)],
    summary="Beacon: a batch of page events (JSON, or text/plain from sendBeacon)",
)
async def collect_events(request: Request) -> Response:
    beacon = parse_beacon(await request.body())
    collect.schedule_beacon(request, beacon.events)
    return _cors(request, JSONResponse({"received": len(beacon.events)}, status_code=202))


# ---------------------------------------------------------- the owner's views


def _range(
    start: datetime | None, end: datetime | None, longest: timedelta, now: float
) -> tuple[int, int]:
    # By default the range runs to the end of the open hour: it holds what just happened.
    to = _utc(end) if end is not None else datetime.fromtimestamp(ceil_to(int(now) + 1, 3600), UTC)
    frm = _utc(start) if start is not None else to - DEFAULT_RANGE
    if frm >= to:
        raise Invalid("'from' must be before 'to'.", code="bad_range")
    if to - frm > longest:
        raise Invalid(
            f"The range is longer than {longest.days} days.",
            code="range_too_long",
            details={"max_days": longest.days},
        )
    return int(frm.timestamp()), int(to.timestamp())


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def _check_profile(request: Request, owner: Owned, profile_id: str) -> None:
    """404 unless the profile is the acting user's."""
    directory = provided(request.app.state.features, ProfileDirectory)  # type: ignore[type-abstract]
    if directory is None:
        raise NotFound("No profile has this id.")
    await directory.check_owned(owner, profile_id)


def _analytics(request: Request, ports: Ports) -> Analytics:
    settings = request.app.state.settings
    return Analytics(ports.db, raw_days=settings.analytics_raw_days, now=ports.clock.now())


@router.get(
    "/api/analytics/profiles/{id}/summary",
    response_model=Summary,
    response_model_by_alias=True,
)
async def summary(
    request: Request,
    id: str,
    start: UtcTime | None = Query(default=None, alias="from"),
    end: UtcTime | None = Query(default=None, alias="to"),
    interval: Literal["hour", "day"] = "day",
    top_type: Literal[
        "profile_view", "page_view", "link_click", "custom", "share", "conversion"
    ] = Query(default="profile_view", alias="type"),
    limit: int = Query(default=10, ge=1, le=50),
    owner: Owned = Depends(owned),
    ports: Ports = Depends(ports_of),
) -> Summary:
    """Totals, uniques, a time series, top dimensions and click-through per link."""
    await _check_profile(request, owner, id)
    longest = MAX_HOURLY_RANGE if interval == "hour" else MAX_RANGE
    frm, to = _range(start, end, longest, ports.clock.now())
    return await _analytics(request, ports).summary(
        id, frm, to, interval, top_type=top_type, limit=limit
    )


@router.get(
    "/api/analytics/profiles/{id}/heatmap",
    response_model=Heatmap,
    response_model_by_alias=True,
)
async def heatmap(
    request: Request,
    id: str,
    path: str | None = Query(default=None, max_length=512),
    start: UtcTime | None = Query(default=None, alias="from"),
    end: UtcTime | None = Query(default=None, alias="to"),
    grid: int = Query(default=20, ge=4, le=100),
    owner: Owned = Depends(owned),
    ports: Ports = Depends(ports_of),
) -> Heatmap:
    """Click density on a page (all pages when ``path`` is absent) as a grid of counts."""
    await _check_profile(request, owner, id)
    frm, to = _range(start, end, MAX_RANGE, ports.clock.now())
    return await _analytics(request, ports).heatmap(id, path, frm, to, grid)


@router.get("/api/analytics/profiles/{id}/export")
async def export_events(
    request: Request,
    id: str,
    format: Literal["csv", "json"] = "csv",
    start: UtcTime | None = Query(default=None, alias="from"),
    end: UtcTime | None = Query(default=None, alias="to"),
    owner: Owned = Depends(owned),
    ports: Ports = Depends(ports_of),
) -> StreamingResponse:
    """The raw events of a range, streamed page by page (never held in memory)."""
    await _check_profile(request, owner, id)
    frm, to = _range(start, end, MAX_RANGE, ports.clock.now())
    body = export.stream(ports.db, id, frm * 1000, to * 1000, format)
    name = f"analytics-{id}-{frm}-{to}.{format}"
    return StreamingResponse(
        body,
        media_type="text/csv; charset=utf-8" if format == "csv" else "application/json",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
        },
    )
