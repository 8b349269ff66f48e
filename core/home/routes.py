"""The home page (``GET /``): what the product is, and the way in.

A visitor is led to create an account or sign in; a signed-in person (cookie
session) to the editor, the dashboard and their account. A page, not API: it
stays out of the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from core.identity import Actor, optional_actor
from core.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home_page(request: Request, actor: Actor | None = Depends(optional_actor)) -> Response:
    return render(request, "home.html", signed_in=actor is not None)


# The product's icon: a letter on the accent colour, drawn as SVG so it is a
# few hundred bytes and needs no build. Browsers ask for /favicon.ico by
# themselves (the public profile page links to it too): both answer the SVG.
FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<rect width="64" height="64" rx="14" fill="#4f46e5"/>'
    '<path d="M42 22a14 14 0 1 0 0 20" fill="none" stroke="#fff" stroke-width="8"'
    ' stroke-linecap="round"/></svg>'
)


@router.get("/favicon.svg")
@router.get("/favicon.ico")
async def favicon() -> Response:
    return Response(
        FAVICON_SVG,
        media_type="image/svg+xml",
        headers={"cache-control": "public, max-age=86400"},
    )
