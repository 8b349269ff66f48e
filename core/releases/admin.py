"""The admin's side of releases: publish, mark latest, stage a rollout, the numbers.
Every admin action is audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from core.audit import AuditLog
from core.data.actor import Actor
from core.deps import context
from core.identity import admin_actor, pii_of
from core.releases.models import RolloutIn, VersionIn, VersionOut
from core.releases.routes import releases
from core.releases.service import Releases, version_out
from core.releases.stats import release_stats

router = APIRouter(tags=["admin"])


@router.post("/api/admin/versions", status_code=201, response_model=VersionOut)
async def publish_version(
    request: Request,
    body: VersionIn,
    admin: Actor = Depends(admin_actor),
    service: Releases = Depends(releases),
) -> Any:
    """Publish a version; ``latest`` (the default for a release) makes it the one latest."""
    row = await service.publish(admin, body, context(request).request_id)
    return version_out(row)


@router.post("/api/admin/versions/{version}/latest", response_model=VersionOut)
async def mark_latest(
    request: Request,
    version: str,
    admin: Actor = Depends(admin_actor),
    service: Releases = Depends(releases),
) -> Any:
    """Make ``version`` the latest; the previous latest stops being it in the same batch."""
    return version_out(await service.mark_latest(admin, version, context(request).request_id))


@router.put("/api/admin/versions/{version}/rollout", response_model=VersionOut)
async def set_rollout(
    request: Request,
    version: str,
    body: RolloutIn,
    admin: Actor = Depends(admin_actor),
    service: Releases = Depends(releases),
) -> Any:
    """The share of clients (0 to 100 percent) offered ``version``."""
    row = await service.set_rollout(admin, version, body.rollout, context(request).request_id)
    return version_out(row)


@router.get("/api/admin/stats")
async def stats(request: Request, admin: Actor = Depends(admin_actor)) -> dict[str, Any]:
    """Downloads by OS and by day, feedback per day, recent feedback with email,
    diagnostic sizes and version adoption."""
    ctx = context(request)
    pii = pii_of(ctx.ports.cipher, request.app.state.settings)
    found = await release_stats(ctx.ports.db, ctx.ports.clock.now(), pii)
    await AuditLog(ctx.ports.db, ctx.ports.clock).record(
        "admin.release_stats_viewed", user_id=admin.user_id, request_id=ctx.request_id
    )
    return found
