"""Profiles and links over HTTP: the owner's JSON API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from core.data.owned import Owned
from core.http.context import request_context
from core.identity import owned
from core.profiles.models import (
    LinkIn,
    LinkOrderIn,
    LinkOut,
    LinkPage,
    LinkPatch,
    ProfileIn,
    ProfileOut,
    ProfilePage,
    ProfilePatch,
)
from core.profiles.service import Profiles

router = APIRouter(tags=["profiles"])

Limit = Query(50, ge=1, le=200)
Cursor = Query(None, max_length=200)


def profiles(request: Request, scope: Owned = Depends(owned)) -> Profiles:
    ctx = request_context(request.scope)
    return Profiles(ctx.ports, scope, ctx)


@router.post("/api/profiles", status_code=201, response_model=ProfileOut)
async def create_profile(body: ProfileIn, service: Profiles = Depends(profiles)) -> Any:
    return await service.create(body)


@router.get("/api/profiles", response_model=ProfilePage)
async def list_profiles(
    limit: int = Limit, cursor: str | None = Cursor, service: Profiles = Depends(profiles)
) -> Any:
    return await service.list_mine(limit=limit, cursor=cursor)


@router.get("/api/profiles/{profile_id}", response_model=ProfileOut)
async def read_profile(profile_id: str, service: Profiles = Depends(profiles)) -> Any:
    return await service.get(profile_id)


@router.patch("/api/profiles/{profile_id}", response_model=ProfileOut)
async def update_profile(
    profile_id: str, body: ProfilePatch, service: Profiles = Depends(profiles)
) -> Any:
    return await service.update(profile_id, body.model_dump(exclude_unset=True))


@router.delete("/api/profiles/{profile_id}", status_code=204)
async def delete_profile(profile_id: str, service: Profiles = Depends(profiles)) -> Response:
    await service.delete(profile_id)
    return Response(status_code=204)


@router.get("/api/profiles/{profile_id}/links", response_model=LinkPage)
async def list_links(
    profile_id: str,
    limit: int = Limit,
    cursor: str | None = Cursor,
    service: Profiles = Depends(profiles),
) -> Any:
    return await service.links(profile_id, limit=limit, cursor=cursor)


@router.post("/api/profiles/{profile_id}/links", status_code=201, response_model=LinkOut)
async def add_link(profile_id: str, body: LinkIn, service: Profiles = Depends(profiles)) -> Any:
    return await service.add_link(profile_id, body)


@router.put("/api/profiles/{profile_id}/links/order", response_model=LinkPage)
async def reorder_links(
    profile_id: str, body: LinkOrderIn, service: Profiles = Depends(profiles)
) -> Any:
    return await service.reorder(profile_id, body.link_ids)


@router.get("/api/links/{link_id}", response_model=LinkOut)
async def read_link(link_id: str, service: Profiles = Depends(profiles)) -> Any:
    return await service.link(link_id)


@router.patch("/api/links/{link_id}", response_model=LinkOut)
async def update_link(link_id: str, body: LinkPatch, service: Profiles = Depends(profiles)) -> Any:
    return await service.update_link(link_id, body.model_dump(exclude_unset=True))


@router.delete("/api/links/{link_id}", status_code=204)
async def delete_link(link_id: str, service: Profiles = Depends(profiles)) -> Response:
    await service.delete_link(link_id)
    return Response(status_code=204)
