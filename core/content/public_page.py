"""A published post's public page (``/c/{slug}``): SEO meta tags (Open Graph, the
canonical URL), the page CSP with this response's nonce and the security headers
every response carries, as the profile page has, and related posts by meaning.
Private and unpublished posts answer 404. The view counts after the response: in
the post's ``views`` and, as a page view of the owner's, in analytics."""

from __future__ import annotations

import logging
import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from core.content.embedding import embed_text
from core.content.repo import ContentRow, PublicContent
from core.content.service import public_path
from core.events import ServerEvent, record_after_response
from core.http import headers as sec
from core.http.context import request_context
from core.ports import Ports
from core.web.render import pages, render

log = logging.getLogger("creator_edge.content")
router = APIRouter(include_in_schema=False)
_SLUG_SHAPE = re.compile(r"^[a-z0-9-]{1,120}$")
RELATED = 4


async def related_posts(ports: Ports, post: ContentRow) -> list[dict[str, str]]:
    """Up to four published public posts nearest in meaning; none when that is down."""
    if ports.embeddings is None or ports.vectors is None:
        return []
    try:
        vector = await _vector_of(ports, post)
        matches = await ports.vectors.query(
            vector, top_k=RELATED + 1, owner_id="", include_public=True
        )
        rows = await PublicContent(ports.db).public_by_ids([m.id for m in matches])
    except Exception as error:  # related posts are extra: the page stands without them
        log.warning("related posts unavailable: %s: %s", type(error).__name__, error)
        return []
    by_id = {row["id"]: row for row in rows}
    found = [by_id[m.id] for m in matches if m.id in by_id and m.id != post["id"]]
    return [{"slug": r["slug"], "title": r["title"]} for r in found[:RELATED]]


# Each post's vector by its id and version (every change of a post moves its version
# on): a page view embedded it anew every time, a model call on the request path.
# Kept by the process (the isolate at the edge).
_VECTORS: dict[tuple[str, int], list[float]] = {}
_VECTORS_MAX = 1024


async def _vector_of(ports: Ports, post: ContentRow) -> list[float]:
    assert ports.embeddings is not None
    key = (post["id"], post["version"])
    vector = _VECTORS.get(key)
    if vector is None:
        [vector] = await ports.embeddings.embed([embed_text(post["title"], post["body"])])
        if len(_VECTORS) >= _VECTORS_MAX:
            _VECTORS.clear()
        _VECTORS[key] = list(vector)
    return vector


async def _count_view(ports: Ports, content_id: str) -> None:
    await ports.db.run("UPDATE content SET views = views + 1 WHERE id = ?", content_id)


@router.get("/c/{slug}")
async def public_post(slug: str, request: Request) -> Response:
    ctx = request_context(request.scope)
    post = await PublicContent(ctx.ports.db).by_slug(slug) if _SLUG_SHAPE.match(slug) else None
    if post is None:
        return render(request, "content_missing.html", status=404)
    tags = await PublicContent(ctx.ports.db).tag_names(post["id"])
    description = (post["seo_description"] or " ".join(post["body"].split()))[:160]
    body = (
        pages(request)
        .get_template("content_public.html")
        .render(
            nonce=ctx.nonce,
            post=post,
            title=post["seo_title"] or post["title"],
            description=description,
            canonical=str(request.base_url).rstrip("/") + public_path(post["slug"]),
            published_at=post["published_at"],
            tags=tags,
            related=await related_posts(ctx.ports, post),
        )
    )
    response = HTMLResponse(
        body,
        headers={
            "content-security-policy": sec.page_csp(ctx.nonce).decode(),
            "cache-control": "no-cache",
        },
    )
    ctx.ports.defer(_count_view(ctx.ports, post["id"]))
    record_after_response(
        request,
        ServerEvent(
            type="page_view",
            owner_id=post["owner_id"],
            path=public_path(post["slug"]),
            response_bytes=len(response.body),
            properties={"content_id": post["id"]},
        ),
    )
    return response
