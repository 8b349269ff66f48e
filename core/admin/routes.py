"""The admin pages: thin forms over the admin API's own handlers, so a page
lists, changes and audits exactly as ``/api/admin/*`` does (every list read and
every change lands in the audit log). A visitor is sent to sign in; a signed-in
person without the admin role gets 403."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from core.errors import AppError
from core.identity import (
    Actor,
    AdminUserPatch,
    change_user,
    identity,
    list_users,
    optional_actor,
    read_audit_log,
)
from core.web.render import ADMIN_SECTIONS, check_origin, done, render

router = APIRouter(include_in_schema=False)

ROLES = ("creator", "influencer", "admin")
STATUSES = ("success", "denied", "error")
Role = Literal["creator", "influencer", "admin"]
Status = Literal["success", "denied", "error"]


def _guard(request: Request, actor: Actor | None) -> Response | None:
    if actor is None:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    if not actor.is_admin:
        return render(request, "admin_denied.html", 403, signed_in=True)
    return None


def _query(request: Request, name: str, allowed: tuple[str, ...] | None = None) -> str | None:
    value = (request.query_params.get(name) or "").strip()[:100] or None
    if value is not None and allowed is not None and value not in allowed:
        return None
    return value


def _day(value: str | None, *, end: bool = False) -> str | None:
    """A date field (YYYY-MM-DD) as the audit filter's ISO time; ``end`` is exclusive."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return f"{day + timedelta(days=1) if end else day}T00:00:00Z"


@router.get("/admin")
async def users_page(request: Request, actor: Actor | None = Depends(optional_actor)) -> Response:
    denied = _guard(request, actor)
    if denied is not None:
        return denied
    assert actor is not None
    q, role = _query(request, "q"), _query(request, "role", ROLES)
    cursor = _query(request, "cursor")
    try:
        found = await list_users(
            request, role=cast(Role | None, role), q=q, limit=50, cursor=cursor, admin=actor
        )
    except AppError as error:
        found = {"items": [], "next_cursor": None}
        return _users(request, found, q, role, error=error.message, status=error.status)
    return _users(request, found, q, role)


def _users(
    request: Request,
    found: dict[str, Any],
    q: str | None,
    role: str | None,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "admin_users.html",
        status,
        signed_in=True,
        sections=ADMIN_SECTIONS,
        users=found["items"],
        next_cursor=found["next_cursor"],
        q=q or "",
        role=role or "",
        roles=ROLES,
        error=error,
    )


@router.post("/admin/users/{user_id}")
async def change_user_page(
    user_id: str,
    request: Request,
    actor: Actor | None = Depends(optional_actor),
    service: Any = Depends(identity),
) -> Response:
    check_origin(request)
    denied = _guard(request, actor)
    if denied is not None:
        return denied
    assert actor is not None
    form = await request.form(max_files=0, max_fields=10, max_part_size=1024)
    role = form.get("role")
    disabled = form.get("disabled")
    try:
        patch = AdminUserPatch(
            role=cast(Role, role) if role in ROLES else None,
            disabled=None if disabled not in ("0", "1") else disabled == "1",
        )
        await change_user(user_id, patch, admin=actor, service=service)
    except AppError as error:
        found = await list_users(request, role=None, q=None, limit=50, cursor=None, admin=actor)
        return _users(request, found, None, None, error=error.message, status=error.status)
    back = str(form.get("back") or "/admin")
    return done(back if back.startswith("/admin") and "//" not in back else "/admin", "user_saved")


@router.get("/admin/audit")
async def audit_page(request: Request, actor: Actor | None = Depends(optional_actor)) -> Response:
    denied = _guard(request, actor)
    if denied is not None:
        return denied
    assert actor is not None
    filters = {
        "user_id": _query(request, "user_id"),
        "action": _query(request, "action"),
        "status": _query(request, "status", STATUSES),
        "since": _query(request, "since"),
        "until": _query(request, "until"),
    }
    error, status = None, 200
    try:
        found = await read_audit_log(
            request,
            user_id=filters["user_id"],
            action=filters["action"],
            status=cast(Status | None, filters["status"]),
            since=_day(filters["since"]),
            until=_day(filters["until"], end=True),
            limit=50,
            cursor=_query(request, "cursor"),
            admin=actor,
        )
    except AppError as err:
        found, error, status = {"items": [], "next_cursor": None}, err.message, err.status
    return render(
        request,
        "admin_audit.html",
        status,
        signed_in=True,
        sections=ADMIN_SECTIONS,
        entries=found["items"],
        next_cursor=found["next_cursor"],
        filters={k: v or "" for k, v in filters.items()},
        statuses=STATUSES,
        error=error,
    )
