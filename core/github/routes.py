"""GitHub sync over HTTP: a link's sync status, "sync now", and its interval."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from core import deps
from core.data.owned import Owned
from core.github import service
from core.github.models import SyncSettingsIn, SyncStatusOut
from core.identity import owned
from core.ports import Ports
from core.security.limits import limit_key
from core.security.ratelimit import Policy
from core.settings import Settings

router = APIRouter(tags=["github"])

# "Sync now" spends GitHub's requests: a few per user every ten minutes.
SYNC_NOW_PER_USER = Policy("github_sync_now", 6, 600)


def _answer(body: SyncStatusOut, status: int = 200) -> JSONResponse:
    return JSONResponse(
        body.model_dump(), status_code=status, headers={"cache-control": "no-store"}
    )


@router.get(
    "/api/links/{link_id}/sync",
    response_model=SyncStatusOut,
    summary="The sync job of a GitHub link",
)
async def get_sync(link_id: str, scope: Owned = Depends(owned)) -> JSONResponse:
    return _answer(service.sync_status(await service.link_job(scope, link_id)))


@router.post(
    "/api/links/{link_id}/sync",
    response_model=SyncStatusOut,
    summary="Sync a GitHub link now (202 when queued until GitHub allows it)",
    responses={202: {"model": SyncStatusOut}},
)
async def post_sync(
    link_id: str,
    request: Request,
    scope: Owned = Depends(owned),
    ports: Ports = Depends(deps.ports),
    settings: Settings = Depends(deps.settings),
) -> JSONResponse:
    await service.link_job(scope, link_id)  # someone else's id answers 404 first
    await limit_key(request, SYNC_NOW_PER_USER, scope.owner_id)
    done = await service.sync_now(ports, settings, scope, link_id)
    body = service.sync_status(done.job, retry_after=done.retry_after)
    if done.ran:
        return _answer(body)
    headers = {"retry-after": str(done.retry_after)} if done.retry_after else {}
    response = _answer(body, 202)
    response.headers.update(headers)
    return response


@router.patch(
    "/api/links/{link_id}/sync",
    response_model=SyncStatusOut,
    summary="Set how often a GitHub link syncs (1 to 168 hours)",
)
async def patch_sync(
    link_id: str,
    body: SyncSettingsIn,
    scope: Owned = Depends(owned),
    ports: Ports = Depends(deps.ports),
) -> JSONResponse:
    row = await service.set_interval(scope, link_id, body.sync_interval_hours, ports.clock.now())
    return _answer(service.sync_status(row))
