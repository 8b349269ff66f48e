"""The analytics dashboard page (``GET /dashboard``) and the static files it loads.

The page is a signed-in page (cookie session): the server renders the frame,
the page's script (``dashboard_src/dashboard.js``) fetches the analytics API
with the cookie and draws the chart (uPlot), the tables and the heatmap. Static
files come from the generated ``dashboard_assets`` module and are served at
``/static/<name>.<hash>.<ext>``: the hash in the name makes them immutable."""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from core.analytics import dashboard_assets
from core.data.actor import Actor
from core.errors import NotFound
from core.identity import optional_actor
from core.web.render import render

router = APIRouter(include_in_schema=False)

IMMUTABLE = "public, max-age=31536000, immutable"

# The top lists the page shows: the summary's ``top`` key, a caption, a column.
TOP_LISTS: tuple[tuple[str, str, str], ...] = (
    ("referrer", "Referrers", "Referrer"),
    ("city", "Cities", "City"),
    ("device", "Devices", "Device"),
    ("browser", "Browsers", "Browser"),
    ("os", "Operating systems", "System"),
    ("utm_source", "UTM sources", "Source"),
)


@dataclass(frozen=True)
class StaticFile:
    """One static file: served under a name that carries its content hash."""

    name: str
    content_type: str
    sha256: str
    body: bytes

    @property
    def url(self) -> str:
        return f"/static/{self.name}"

    @property
    def integrity(self) -> str:
        """The Subresource Integrity value of the body."""
        return "sha256-" + base64.b64encode(bytes.fromhex(self.sha256)).decode("ascii")

    @property
    def etag(self) -> str:
        return f'"{self.sha256[:32]}"'


def _served_name(name: str, sha256: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{sha256[:16]}{dot}{ext}"


@functools.lru_cache(maxsize=1)
def static_files() -> dict[str, StaticFile]:
    """The dashboard's static files by their plain name (``uplot.js``)."""
    files = {}
    for name, (content_type, sha256, encoded) in dashboard_assets.FILES.items():
        served = _served_name(name, sha256)
        files[name] = StaticFile(served, content_type, sha256, base64.b64decode(encoded))
    return files


@functools.lru_cache(maxsize=1)
def _by_served_name() -> dict[str, StaticFile]:
    return {f.name: f for f in static_files().values()}


@router.get("/static/{name}")
async def static_file(request: Request, name: str) -> Response:
    found = _by_served_name().get(name)
    if found is None:
        raise NotFound("No such file.")
    headers = {"cache-control": IMMUTABLE, "etag": found.etag}
    if request.headers.get("if-none-match") == found.etag:
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type=found.content_type, headers=headers)


@router.get("/dashboard")
async def dashboard_page(
    request: Request, actor: Actor | None = Depends(optional_actor)
) -> Response:
    if actor is None:
        return RedirectResponse("/login?next=/dashboard", status_code=303)
    return render(
        request, "dashboard.html", signed_in=True, assets=static_files(), top_lists=TOP_LISTS
    )
