"""The public side: a profile's page (``/p/{slug}``) and its links' redirect
(``/l/{link_id}``). Views and clicks are recorded after the response.

Both are pages, not API: they stay out of the OpenAPI document (and so out of
the isolation walk, where anyone reaching a public page is the point)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from core.events import ServerEvent, record_after_response
from core.http.context import RequestContext, request_context
from core.http.pipeline import FastPath
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
    _view(request, rendered, len(response.body))
    return response


def _view(request: Request, rendered: page.RenderedPage, response_bytes: int) -> None:
    key = (rendered.profile_id, rendered.owner_id, rendered.slug, response_bytes)
    event = _VIEWS.get(key)
    if event is None:
        if len(_VIEWS) >= 1024:
            _VIEWS.clear()
        event = _VIEWS[key] = ServerEvent(
            type="profile_view",
            profile_id=rendered.profile_id,
            owner_id=rendered.owner_id,
            path=public_path(rendered.slug),
            response_bytes=response_bytes,  # 0 for a 304: the browser's copy served
        )
    record_after_response(request, event)


# A page's view events (immutable) by page and body size: made once, not per view.
_VIEWS: dict[tuple[str, str, str, int], ServerEvent] = {}


_HTML = b"text/html; charset=utf-8"


async def cached_page(scope: dict[str, Any], receive: Any, send: Any, ctx: RequestContext) -> bool:
    """``public_profile`` for a page in the cache, answered in the pipeline
    (``FastPath``): the same status, headers in the same order, body and view
    record as the route (``tests/profiles/test_fast_path.py`` compares them).
    Anything else (another path shape, a cache miss, a missing profile) declines
    before sending anything, and the route answers."""
    slug = scope["path"][3:]  # after "/p/"
    if "/" in slug or not _SLUG_SHAPE.match(slug):
        return False
    rendered = await page.cached(ctx.ports, slug.lower())
    if rendered is None:
        return False
    if_none_match = None
    for name, value in scope["headers"]:
        if name == b"if-none-match":  # the first, as Starlette's Headers.get
            if_none_match = value.decode("latin-1")
            break
    nonce = ctx.nonce
    headers = [
        (b"etag", rendered.etag.encode("latin-1")),
        (b"cache-control", page.CACHE_CONTROL.encode("latin-1")),
        (b"content-security-policy", rendered.policy_bytes(nonce)),
    ]
    if rendered.matches(if_none_match):
        status, body = 304, b""
    else:
        status, body = 200, rendered.html_bytes(nonce)
        headers.append((b"content-length", str(len(body)).encode("latin-1")))
        headers.append((b"content-type", _HTML))
    _view(Request(scope, receive), rendered, len(body))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return True


FAST_PATHS = (FastPath("/p/", cached_page),)


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
