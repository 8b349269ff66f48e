"""Admin: users and roles, and the audit log. Every admin action is audited."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from core.audit import AuditLog
from core.data.actor import Actor
from core.data.owned import decode_cursor, encode_cursor
from core.http.context import request_context
from core.identity.auth import admin_actor, identity
from core.identity.models import AdminUserPatch
from core.identity.pii import pii_of
from core.identity.repo import UserRepo, UserRow
from core.identity.service import Identity, public_user

router = APIRouter(tags=["admin"])


def admin_user(row: UserRow) -> dict[str, Any]:
    return {
        **public_user(row),
        "disabled": row["deleted_at"] is not None,
        "erase_after": row["erase_after"],
    }


@router.get("/api/admin/users")
async def list_users(
    request: Request,
    role: Literal["creator", "influencer", "admin"] | None = None,
    q: str | None = Query(None, max_length=100),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=200),
    admin: Actor = Depends(admin_actor),
) -> dict[str, Any]:
    ports = request_context(request.scope).ports
    pii = pii_of(ports.cipher, request.app.state.settings)
    rows = await UserRepo(ports.db, pii).page(
        role=role, query=q, before_id=decode_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    await AuditLog(ports.db, ports.clock).record(
        "admin.users_listed",
        user_id=admin.user_id,
        details={"role": role, "q": q} if role or q else None,
        request_id=request_context(request.scope).request_id,
    )
    return {
        "items": [admin_user(r) for r in page],
        "next_cursor": encode_cursor(page[-1]["id"]) if len(rows) > limit else None,
    }


@router.patch("/api/admin/users/{user_id}")
async def change_user(
    user_id: str,
    body: AdminUserPatch,
    admin: Actor = Depends(admin_actor),
    service: Identity = Depends(identity),
) -> dict[str, Any]:
    row = await service.set_role(admin, user_id, body.role, body.disabled)
    return admin_user(row)


@router.get("/api/admin/audit")
async def audit_log(
    request: Request,
    user_id: str | None = Query(None, max_length=64),
    action: str | None = Query(None, max_length=100),
    status: Literal["success", "denied", "error"] | None = None,
    since: str | None = Query(None, max_length=30, description="ISO-8601 UTC, inclusive"),
    until: str | None = Query(None, max_length=30, description="ISO-8601 UTC, exclusive"),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=200),
    admin: Actor = Depends(admin_actor),
) -> dict[str, Any]:
    ports = request_context(request.scope).ports
    log = AuditLog(ports.db, ports.clock)
    entries = await log.list(
        user_id=user_id,
        action=action,
        status=status,
        since=since,
        until=until,
        before_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    page = entries[:limit]
    await log.record(
        "admin.audit_read",
        user_id=admin.user_id,
        request_id=request_context(request.scope).request_id,
    )
    return {
        "items": [asdict(e) for e in page],
        "next_cursor": encode_cursor(page[-1].id) if len(entries) > limit else None,
    }
