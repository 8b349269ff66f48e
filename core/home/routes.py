"""The home page (``GET /``): what the product is, and the way in.

A visitor is led to create an account or sign in; a signed-in person (cookie
session) to the editor, the dashboard and their account. A page, not API: it
stays out of the OpenAPI document."""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from core.errors import NotFound
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


# ------------------------------------------------------------ the API docs
@dataclass(frozen=True)
class DocsFile:
    """One file of the documentation page, served under a name with its hash."""

    name: str
    content_type: str
    sha256: str
    body: bytes

    @property
    def url(self) -> str:
        return f"/docs/assets/{self.name}"

    @property
    def integrity(self) -> str:
        return "sha256-" + base64.b64encode(bytes.fromhex(self.sha256)).decode("ascii")


@functools.cache
def docs_files() -> dict[str, DocsFile]:
    """Swagger UI and the page's own files by their plain name. Loaded on the
    first request for the page (about 2 MB), never at import."""
    from core.home import docs_assets

    found: dict[str, DocsFile] = {}
    for name, (content_type, sha256, encoded) in docs_assets.FILES.items():
        stem, dot, ext = name.rpartition(".")
        hashed = f"{stem}.{sha256[:12]}{dot}{ext}"
        found[name] = DocsFile(hashed, content_type, sha256, base64.b64decode(encoded))
    return found


@router.get("/docs")
async def docs_page(request: Request, actor: Actor | None = Depends(optional_actor)) -> Response:
    """The API reference: Swagger UI over /openapi.json, served by the product itself."""
    return render(request, "docs.html", signed_in=actor is not None, assets=docs_files())


@router.get("/docs/assets/{name}")
async def docs_asset(name: str) -> Response:
    by_hashed = {f.name: f for f in docs_files().values()}
    found = by_hashed.get(name)
    if found is None:
        raise NotFound("No such file.")
    return Response(
        found.body,
        media_type=found.content_type,
        headers={
            "cache-control": "public, max-age=31536000, immutable",
            "etag": f'"{found.sha256[:32]}"',
        },
    )
