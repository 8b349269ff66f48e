"""Posts over HTTP: the owner's JSON API, search, AI drafts and trending tags."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from core.content import search
from core.content.generate import generate_draft
from core.content.models import (
    ContentIn,
    ContentOut,
    ContentPage,
    ContentPatch,
    GenerateIn,
    ScheduleIn,
    SearchHit,
    SearchOut,
    TagOut,
    TrendingOut,
)
from core.content.moderation import moderation_for
from core.content.repo import PublicContent
from core.content.service import Posts, parse_if_match
from core.content.workflow import Status
from core.data.owned import Owned
from core.http.context import request_context
from core.identity import owned
from core.security.limits import per_client
from core.security.ratelimit import Policy

router = APIRouter(tags=["content"])

# An AI draft costs a model call: five a minute a client on top of the plan's limit
# (the shape of an existing Workers Rate Limiting binding).
GENERATE = Policy("content_generate", 5, 60)
TRENDING_DAYS = 7

Limit = Query(50, ge=1, le=200)
Cursor = Query(None, max_length=200)
IfMatch = Header(None, alias="If-Match", max_length=40)


async def posts(request: Request, scope: Owned = Depends(owned)) -> Posts:
    ctx = request_context(request.scope)
    moderation = await moderation_for(ctx.ports.db, ctx.ports.http, request.app.state.settings)
    return Posts(ctx.ports, scope, request, moderation)


@router.post("/api/content", status_code=201, response_model=ContentOut)
async def create_post(body: ContentIn, service: Posts = Depends(posts)) -> Any:
    return await service.create(body)


@router.get("/api/content", response_model=ContentPage)
async def list_posts(
    status: Status | None = None,
    limit: int = Limit,
    cursor: str | None = Cursor,
    service: Posts = Depends(posts),
) -> Any:
    return await service.list_mine(status=status, limit=limit, cursor=cursor)


@router.post(
    "/api/content/generate",
    status_code=201,
    response_model=ContentOut,
    dependencies=[Depends(per_client(GENERATE))],
)
async def generate_post(body: GenerateIn, service: Posts = Depends(posts)) -> Any:
    """An AI draft: saved as ``draft`` (or ``pending_review`` when moderation flags it)."""
    return await generate_draft(service, body)


@router.get("/api/content/search", response_model=SearchOut)
async def search_posts(
    q: str = Query(min_length=1, max_length=500),
    mode: Literal["words", "semantic", "hybrid"] = "words",
    scope: Literal["mine", "all"] = "mine",
    limit: int = Query(20, ge=1, le=100),
    service: Posts = Depends(posts),
) -> Any:
    """My posts (``scope=all``: and published public ones) by words, meaning, or both."""
    ports, me, public = service.ports, service.owner_id, scope == "all"
    if mode == "words":
        hits = await search.by_words(ports, me, q, include_public=public, limit=limit)
    elif mode == "semantic":
        hits = await search.by_meaning(ports, me, q, include_public=public, limit=limit)
    else:
        words = await search.by_words(ports, me, q, include_public=public, limit=limit * 2)
        meaning = await search.by_meaning(ports, me, q, include_public=public, limit=limit * 2)
        hits = search.fuse([words, meaning], limit=limit)
    return SearchOut(
        mode=mode,
        items=[
            SearchHit(
                id=h.row["id"],
                title=h.row["title"],
                slug=h.row["slug"],
                status=h.row["status"],
                visibility=h.row["visibility"],
                mine=h.row["owner_id"] == me,
                score=h.score,
                title_highlight=h.title_highlight,
                snippet=h.snippet,
            )
            for h in hits
        ],
    )


@router.get("/api/tags/trending", response_model=TrendingOut)
async def trending_tags(request: Request, limit: int = Query(20, ge=1, le=100)) -> Any:
    """Tags by their use on published public posts over the last 7 days."""
    ports = request_context(request.scope).ports
    since = ports.clock.now() - TRENDING_DAYS * 86_400
    rows = await PublicContent(ports.db).trending(since=since, limit=limit)
    return TrendingOut(items=[TagOut(**row) for row in rows])


@router.get("/api/content/{content_id}", response_model=ContentOut)
async def read_post(content_id: str, service: Posts = Depends(posts)) -> Any:
    return await service.get(content_id)


@router.patch("/api/content/{content_id}", response_model=ContentOut)
async def update_post(
    content_id: str,
    body: ContentPatch,
    if_match: str | None = IfMatch,
    service: Posts = Depends(posts),
) -> Any:
    """Needs ``If-Match: <version>``: 428 without it, 409 with the current version when stale."""
    version = parse_if_match(if_match)
    return await service.update(content_id, body.model_dump(exclude_unset=True), version)


@router.delete("/api/content/{content_id}", status_code=204)
async def delete_post(content_id: str, service: Posts = Depends(posts)) -> Response:
    await service.delete(content_id)
    return Response(status_code=204)


@router.post("/api/content/{content_id}/publish", response_model=ContentOut)
async def publish_post(
    content_id: str, if_match: str | None = IfMatch, service: Posts = Depends(posts)
) -> Any:
    """draft -> published after moderation (pending_review when flagged); 409 otherwise."""
    return await service.publish(content_id, parse_if_match(if_match))


@router.post("/api/content/{content_id}/schedule", response_model=ContentOut)
async def schedule_post(
    content_id: str,
    body: ScheduleIn,
    if_match: str | None = IfMatch,
    service: Posts = Depends(posts),
) -> Any:
    """draft -> scheduled after moderation; the cron publishes it when due."""
    return await service.schedule(content_id, body.scheduled_at, parse_if_match(if_match))


@router.post("/api/content/{content_id}/archive", response_model=ContentOut)
async def archive_post(
    content_id: str, if_match: str | None = IfMatch, service: Posts = Depends(posts)
) -> Any:
    return await service.archive(content_id, parse_if_match(if_match))
