"""The updaters' own protocols: Hazel/Squirrel and Tauri, electron-builder, Sparkle.

Each answers what its client expects (a 204 when there is nothing newer, YAML,
XML), so they stay out of the JSON API's OpenAPI document. The client's id for a
staged rollout is ``?id=`` or the ``X-Client-Id`` header; without one, the
pipeline's keyed hash of its address stands in (stable while the address is).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from core.deps import context
from core.errors import Invalid, NotFound
from core.releases import updaters, versions
from core.releases.models import PLATFORM_KEY, Channel
from core.releases.routes import releases
from core.releases.service import Releases

router = APIRouter(tags=["updates"], include_in_schema=False)

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
APPCAST_ITEMS = 20
NO_STORE = {"Cache-Control": "no-cache"}


def client_id(request: Request, id: str | None) -> str:
    given = id or request.headers.get("x-client-id")
    if given is None:
        return context(request).client_key
    if not _CLIENT_ID.match(given):
        raise Invalid(
            "A client id has 1 to 128 letters, digits or . _ : -",
            details=[{"field": "id", "message": "not a client id"}],
        )
    return given


def _platform(platform: str) -> str:
    if PLATFORM_KEY.match(platform) or platform.lower() in updaters.PLATFORM_OS:
        return platform
    raise Invalid(
        "Unknown platform: use a Tauri key (darwin-aarch64) or darwin, win32, linux.",
        details=[{"field": "platform", "message": "unknown platform"}],
    )


@router.get("/update/{channel}/{name}.yml")
async def electron_builder(
    request: Request,
    channel: Channel,
    name: Literal["latest", "latest-mac", "latest-linux"],
    id: str | None = Query(None, max_length=128),
    service: Releases = Depends(releases),
) -> Response:
    """electron-builder's generic provider: ``latest.yml`` (Windows), ``latest-mac.yml``,
    ``latest-linux.yml`` for the version this client is offered on ``channel``."""
    offered = await service.offered_list(channel, client_id(request, id), 1)
    os_name = updaters.YAML_FILES[f"{name}.yml"]
    body = updaters.electron_builder_yaml(offered[0], os_name) if offered else None
    if body is None:
        raise NotFound(f"No {os_name} build with a SHA-512 is published on {channel}.")
    return Response(body, media_type="text/yaml; charset=utf-8", headers=NO_STORE)


@router.get("/update/{platform}/{version}")
async def squirrel(
    request: Request,
    platform: str,
    version: str,
    channel: Channel | None = None,
    id: str | None = Query(None, max_length=128),
    service: Releases = Depends(releases),
) -> Response:
    """Hazel and Squirrel: 204 when ``version`` is current, else ``{name, notes,
    pub_date, url}`` (with Tauri's ``version`` and ``signature`` for a signed build).
    A client on a pre-release stays on beta unless ``channel`` says otherwise."""
    _platform(platform)
    current = versions.parse(version, field="version")
    chosen = channel or ("beta" if current.prerelease else "stable")
    offer = await service.update_for(version, chosen, client_id(request, id))
    if offer is None:
        return Response(status_code=204, headers=NO_STORE)
    answer: dict[str, Any] = updaters.squirrel(offer, platform)
    return JSONResponse(answer, headers=NO_STORE)


@router.get("/appcast/{channel}.xml")
async def appcast(
    request: Request,
    channel: Channel,
    id: str | None = Query(None, max_length=128),
    service: Releases = Depends(releases),
) -> Response:
    """A Sparkle appcast of the versions this client is offered on ``channel``."""
    rows = await service.offered_list(channel, client_id(request, id), APPCAST_ITEMS)
    body = updaters.appcast(
        rows, channel=channel, title="Releases", link=str(request.url.replace(query=None))
    )
    return Response(body, media_type="application/rss+xml; charset=utf-8", headers=NO_STORE)
