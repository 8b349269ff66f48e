"""Assets over HTTP: the owner's upload, list, read and delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from core.assets.form import read_upload
from core.assets.models import AssetOut, AssetPage, Purpose
from core.assets.references import AssetReferences
from core.assets.service import Assets
from core.data.owned import Owned
from core.deps import features
from core.events import ServerEvent, record_after_response
from core.feature import Feature, provided
from core.http.context import request_context
from core.http.pipeline import BodyRule
from core.identity import owned
from core.security.limits import per_client
from core.security.ratelimit import Policy
from core.settings import Settings

router = APIRouter(tags=["assets"])

UPLOAD_PATH = "/api/assets"
# Room for the multipart framing and the small fields around the file.
MULTIPART_OVERHEAD = 64 * 1024
UPLOADS = Policy("asset_upload", 30, 60)
UPLOADS_PER_CLIENT = per_client(UPLOADS)

Limit = Query(50, ge=1, le=200)
Cursor = Query(None, max_length=200)

_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "purpose"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "purpose": {"type": "string", "enum": ["avatar", "asset"]},
                    "profile_id": {"type": "string"},
                    "original_size": {
                        "type": "integer",
                        "description": "Bytes before the browser compressed the file.",
                    },
                },
            }
        }
    },
}


def upload_body_rule(settings: Settings) -> BodyRule:
    """The pipeline refuses an upload body over the file limit plus framing (413)
    or of another type (415) before reading it."""
    return BodyRule(
        UPLOAD_PATH, settings.max_upload_bytes + MULTIPART_OVERHEAD, ("multipart/form-data",)
    )


def assets(
    request: Request,
    scope: Owned = Depends(owned),
    built_from: Sequence[Feature] = Depends(features),
) -> Assets:
    ctx = request_context(request.scope)
    references = provided(built_from, AssetReferences)  # type: ignore[type-abstract]
    return Assets(ctx.ports, scope, ctx=ctx, references=references, request=request)


@router.post(
    UPLOAD_PATH,
    status_code=201,
    response_model=AssetOut,
    dependencies=[Depends(UPLOADS_PER_CLIENT)],
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def upload_asset(request: Request, service: Assets = Depends(assets)) -> Any:
    """Upload an image (multipart: ``file``, ``purpose``); it is stored re-encoded."""
    settings: Settings = request.app.state.settings
    form = await read_upload(request, file_field="file", max_file_bytes=settings.max_upload_bytes)
    asset = await service.upload(form)
    # The owner's own event, not a page's traffic: no profile, counted in no rollup.
    record_after_response(
        request,
        ServerEvent(
            type="asset_upload",
            owner_id=service.owned.owner_id,
            path=UPLOAD_PATH,
            properties={
                "asset_id": asset.id,
                "purpose": asset.purpose,
                "type": asset.type,
                "received_bytes": asset.sizes.received,
                "stored_bytes": asset.sizes.stored,
            },
        ),
    )
    return asset


@router.get(UPLOAD_PATH, response_model=AssetPage)
async def list_assets(
    limit: int = Limit,
    cursor: str | None = Cursor,
    purpose: Purpose | None = None,
    service: Assets = Depends(assets),
) -> Any:
    return await service.list(limit=limit, cursor=cursor, purpose=purpose)


@router.get(UPLOAD_PATH + "/{asset_id}", response_model=AssetOut)
async def read_asset(asset_id: str, service: Assets = Depends(assets)) -> Any:
    return await service.get(asset_id)


@router.delete(UPLOAD_PATH + "/{asset_id}", status_code=204)
async def delete_asset(asset_id: str, service: Assets = Depends(assets)) -> Response:
    """Delete the asset and its stored files."""
    await service.delete(asset_id)
    return Response(status_code=204)
