"""Alert rules and alerts over HTTP."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from core.data.owned import Owned
from core.deps import ports as ports_of
from core.deps import settings as settings_of
from core.http.context import request_context
from core.identity import owned
from core.monitoring.alerts import lifecycle, rules
from core.monitoring.alerts.models import Alert, Rule, RuleIn, RulePatch
from core.ports import Ports
from core.settings import Settings

router = APIRouter(tags=["alerts"])


@router.post("/api/alert-rules", status_code=201, response_model=Rule)
async def create_rule(
    body: RuleIn,
    owner: Owned = Depends(owned),
    ports: Ports = Depends(ports_of),
    settings: Settings = Depends(settings_of),
) -> Rule:
    """A rule; the answer carries the webhook signing secret, this once."""
    return await rules.create(
        owner, body, now=ports.clock.now(), allow_http=settings.alert_webhook_http
    )


@router.get("/api/alert-rules")
async def list_rules(
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
    owner: Owned = Depends(owned),
) -> dict[str, object]:
    page = await rules.list_rules(owner, limit=limit, cursor=cursor)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/api/alert-rules/{id}", response_model=Rule)
async def get_rule(id: str, owner: Owned = Depends(owned)) -> Rule:
    return await rules.get(owner, id)


@router.patch("/api/alert-rules/{id}", response_model=Rule)
async def patch_rule(
    id: str,
    body: RulePatch,
    owner: Owned = Depends(owned),
    ports: Ports = Depends(ports_of),
    settings: Settings = Depends(settings_of),
) -> Rule:
    return await rules.update(
        owner, id, body, now=ports.clock.now(), allow_http=settings.alert_webhook_http
    )


@router.delete("/api/alert-rules/{id}", status_code=204)
async def delete_rule(id: str, owner: Owned = Depends(owned)) -> Response:
    await rules.delete(owner, id)
    return Response(status_code=204)


@router.get("/api/alerts")
async def list_alerts(
    status: Literal["active", "acknowledged", "resolved"] | None = None,
    scope: Literal["mine", "platform"] = "mine",
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
    owner: Owned = Depends(owned),
) -> dict[str, object]:
    """My alerts; ``scope=platform`` (admins) the built-in health alerts."""
    if scope == "platform" and not owner.actor.is_admin:
        from core.errors import Forbidden

        raise Forbidden("Only admins see the platform's alerts.")
    page = await lifecycle.list_alerts(
        owner, status=status, platform=scope == "platform", limit=limit, cursor=cursor
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/api/alerts/{id}/acknowledge", response_model=Alert)
async def acknowledge(
    request: Request, id: str, owner: Owned = Depends(owned), ports: Ports = Depends(ports_of)
) -> Alert:
    request_id = request_context(request.scope).request_id
    return await lifecycle.move(owner, id, "acknowledge", ports.clock, request_id=request_id)


@router.post("/api/alerts/{id}/resolve", response_model=Alert)
async def resolve(
    request: Request, id: str, owner: Owned = Depends(owned), ports: Ports = Depends(ports_of)
) -> Alert:
    request_id = request_context(request.scope).request_id
    return await lifecycle.move(owner, id, "resolve", ports.clock, request_id=request_id)
