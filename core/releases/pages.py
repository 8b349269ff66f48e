"""The admin's page of release numbers (``GET /admin/releases``), in the shared layout.

Signed out, it leads to sign-in; signed in without the admin role, it is not there
(404). The admin area (its navigation) is another feature's; this page is one view."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from core.deps import context
from core.errors import NotFound
from core.identity import Actor, optional_actor, pii_of
from core.releases.stats import release_stats
from core.web.render import ADMIN_SECTIONS, render

router = APIRouter(include_in_schema=False)
PATH = "/admin/releases"


@router.get(PATH)
async def releases_page(
    request: Request, actor: Actor | None = Depends(optional_actor)
) -> Response:
    if actor is None:
        return RedirectResponse(f"/login?next={quote(PATH)}", status_code=303)
    if not actor.is_admin:
        raise NotFound("There is no page here.")
    ports = context(request).ports
    stats = await release_stats(
        ports.db, ports.clock.now(), pii_of(ports.cipher, request.app.state.settings)
    )
    by_day: dict[str, dict[str, object]] = {}
    for key, rows in (
        ("downloads", stats["downloads_by_day"]),
        ("feedback", stats["feedback_by_day"]),
    ):
        for row in rows:
            by_day.setdefault(str(row["day"]), {"day": row["day"], "downloads": 0, "feedback": 0})[
                key
            ] = row["count"]
    days = [by_day[d] for d in sorted(by_day, reverse=True)]
    return render(
        request,
        "releases_admin.html",
        signed_in=True,
        stats=stats,
        days=days,
        sections=ADMIN_SECTIONS,
    )
