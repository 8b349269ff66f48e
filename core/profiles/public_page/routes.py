"""The public side: a profile's page (``/p/{slug}``) and its links' redirect
(``/l/{link_id}``). Views and clicks are recorded after the response.

Both are pages, not API: they stay out of the OpenAPI document (and so out of
the isolation walk, where anyone reaching a public page is the point)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from core.events import ServerEvent, record_after_response
from core.http.context import request_context
from core.profiles.public_page import page
from core.profiles.repo import PublicRepo
from core.profiles.service import public_path
from core.web.render import pages, render

router = APIRouter(include_in_schema=False)

# Anything else cannot name a profile or a link: no query for it.
_SLUG_SHAPE = re.compile(r"^[A-Za-z0-9_-]{3,30}$")
_ID_SHAPE = re.compile(r"^[0-9A-Za-z]{26}$")


def _missing(request: Request) -> Response:
    return render(request, "profile_missing.html", status=404)


@router.get("/p/{slug}")
async def public_profile(slug: str, request: Request) -> Response:
    """The page, private and missing profiles alike 404; 304 when unchanged."""
    if not _SLUG_SHAPE.match(slug):
        return _missing(request)
    ctx = request_context(request.scope)
    rendered = await page.lookup(ctx.ports, pages(request), slug.lower())
    if rendered is None:
        return _missing(request)
    headers = rendered.headers(ctx.nonce)
    response: Response
    if rendered.matches(request.headers.get("if-none-match")):
        response = Response(status_code=304, headers=headers)
    else:
        response = HTMLResponse(rendered.html(ctx.nonce), headers=headers)
    record_after_response(
        request,
        ServerEvent(
            type="profile_view",
            profile_id=rendered.profile_id,
            owner_id=rendered.owner_id,
            path=public_path(rendered.slug),
            response_bytes=len(response.body),  # 0 for a 304: the browser's copy served
        ),
    )
    return response


@router.get("/l/{link_id}")
async def follow_link(link_id: str, request: Request) -> Response:
    """302 to an active link of a public profile; the click counts after the response."""
    if not _ID_SHAPE.match(link_id):
        return _missing(request)
    target = await PublicRepo(request_context(request.scope).ports.db).link_target(link_id)
    if target is None:
        return _missing(request)
    # Each click must reach us to count: nothing may cache the redirect.
    response = RedirectResponse(
        target["url"], status_code=302, headers={"cache-control": "no-store"}
    )
    record_after_response(
        request,
        ServerEvent(
            type="link_click",
            profile_id=target["profile_id"],
            owner_id=target["owner_id"],
            link_id=link_id,
            path=public_path(target["slug"]),
            response_bytes=len(response.body),
        ),
    )
    return response
