"""The account page (``/account``) and its forms: everything the API lets a
person do with their account, in the browser.

Name, email (with the password again), password (the other sessions end),
sessions (readable times and devices, each can be ended), the export as a
download (``GET /api/me/export`` with the page's cookie) and deletion, behind
a confirm step with the password. Every form post checks Origin and answers
with the account page again: the reason and its status on a failure, a
confirmation (``?done=``) on success."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from core.clock import iso
from core.data.actor import Actor
from core.errors import AppError, NotFound
from core.identity import oauth, oauth_repo
from core.identity.account_sections import account_sections
from core.identity.auth import SESSION_COOKIE, identity, optional_actor
from core.identity.devices import device_name, readable_time
from core.identity.linking import unlink
from core.identity.models import ConfirmIn, MePatch
from core.identity.routes import api
from core.identity.service import Identity, public_user
from core.web.render import check_origin, done, render, render_confirm

router = APIRouter(include_in_schema=False)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form(max_files=0, max_fields=20, max_part_size=8192)
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _to_login() -> Response:
    return RedirectResponse("/login?next=/account", status_code=303)


def _session_view(row: Any, actor: Actor) -> dict[str, Any]:
    return {
        "id": row["id"],
        "kind": "this browser" if row["id"] == actor.session_id else row["kind"],
        "device": device_name(row["device"]),
        "agent": row["device"] or "",
        "created_at": row["created_at"],
        "created": readable_time(row["created_at"]),
        "last_active_at": row["last_active_at"],
        "last_active": readable_time(row["last_active_at"]),
        "expires": readable_time(iso(row["expires_at"])),
        "current": row["id"] == actor.session_id,
        "ended": row["revoked_at"] is not None,
    }


async def _account_page(
    request: Request,
    actor: Actor,
    service: Identity,
    *,
    status: int = 200,
    error: str | None = None,
    section: str | None = None,
) -> Response:
    user = public_user(await service.me(actor))
    rows = await service.sessions.of_user(actor.user_id)
    sessions = [_session_view(row, actor) for row in rows]
    linked = await oauth_repo.linked_identities(service.ports.db, service.pii, actor.user_id)
    identities = [{**row, "created": readable_time(row["created_at"])} for row in linked]
    return render(
        request,
        "account.html",
        status,
        signed_in=True,
        user=user,
        sessions=sessions,
        error=error,
        section=section,
        welcome=request.query_params.get("done") == "registered",
        identities=identities,
        providers=oauth.enabled(request.app.state.settings),
        sections=await account_sections(request, actor, request.app.state.features),
    )


@router.get("/account")
async def account_page(
    request: Request,
    actor: Actor | None = Depends(optional_actor),
    service: Identity = Depends(identity),
) -> Response:
    if actor is None:
        return _to_login()
    return await _account_page(request, actor, service)


async def _change(
    request: Request, actor: Actor | None, service: Identity, section: str, code: str
) -> Response:
    check_origin(request)
    if actor is None:
        return _to_login()
    form = await _form(request)
    changes: dict[str, Any]
    if section == "name":
        changes = {"display_name": form.get("display_name", "").strip() or None}
    elif section == "email":
        changes = {"email": form.get("email", ""), "current_password": form.get("current_password")}
    else:
        if form.get("password", "") != form.get("password_again", ""):
            return await _account_page(
                request,
                actor,
                service,
                status=422,
                error="The two new passwords differ.",
                section=section,
            )
        changes = {
            "password": form.get("password", ""),
            "current_password": form.get("current_password"),
        }
    try:
        # The same checks as PATCH /api/me: the body model, then the service.
        body = MePatch.model_validate(changes)
        await service.update_me(actor, body.model_dump(exclude_unset=True))
    except AppError as error:
        return await _account_page(
            request, actor, service, status=error.status, error=error.message, section=section
        )
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())).replace("_", " ")
        message = f"The {field}: {first['msg']}." if field else f"{first['msg']}."
        return await _account_page(
            request, actor, service, status=422, error=message, section=section
        )
    return done("/account", code)


@router.post("/account/name")
async def change_name(
    request: Request,
    actor: Actor | None = Depends(optional_actor),
    service: Identity = Depends(identity),
) -> Response:
    return await _change(request, actor, service, "name", "name_saved")


@router.post("/account/email")
async def change_email(
    request: Request,
    actor: Actor | None = Depends(optional_actor),
    service: Identity = Depends(identity),
) -> Response:
    return await _change(request, actor, service, "email", "email_saved")


@router.post("/account/password")
async def change_password(
    request: Request,
    actor: Actor | None = Depends(optional_actor),
    service: Identity = Depends(identity),
) -> Response:
    return await _change(request, actor, service, "password", "password_saved")


@router.post("/account/sessions/{session_id}/end")
async def end_session(
    session_id: str,
    request: Request,
    actor: Actor | None = Depends(optional_actor),
    service: Identity = Depends(identity),
) -> Response:
    check_origin(request)
    if actor is None:
        return _to_login()
    row = await service.sessions.find(session_id)
    if row is None or row["user_id"] != actor.user_id:
        raise NotFound("No session has this id.")
    await service.sessions.revoke(session_id, "revoked_by_user")
    await service.record("auth.session_revoked", user_id=actor.user_id, resource=session_id)
    return done("/account", "session_ended")


@router.post("/account/identities/{identity_id}/unlink")
async def unlink_identity(
    identity_id: str,
    request: Request,
    actor: Actor | None = Depends(optional_actor),
    service: Identity = Depends(identity),
) -> Response:
    """A linked sign-in provider, unlinked as ``DELETE /api/me/identities/{id}`` does."""
    check_origin(request)
    if actor is None:
        return _to_login()
    try:
        await unlink(service, actor, identity_id)
    except AppError as error:
        return await _account_page(
            request, actor, service, status=error.status, error=error.message
        )
    return done("/account", "identity_unlinked")


@router.post("/account/delete")
async def delete_account(
    request: Request,
    actor: Actor | None = Depends(optional_actor),
    service: Identity = Depends(identity),
) -> Response:
    """Deletion, as ``DELETE /api/me`` does it (closed now, erased after the grace
    period unless its owner signs in again), after a confirm step with the password."""
    check_origin(request)
    if actor is None:
        return _to_login()
    form = await _form(request)
    grace = request.app.state.settings.account_grace_days
    confirm: dict[str, Any] = {
        "title": "Delete your account?",
        "message": (
            "It is closed at once: you are signed out everywhere and your public pages "
            f"stop answering. After {grace} days it is erased with your profiles, links, "
            "uploads and numbers; signing in again before then restores it. Download your "
            "data first if you want to keep a copy."
        ),
        "action": "/account/delete",
        "button": "Delete my account",
        "cancel": "/account",
        "password": True,
    }
    if form.get("confirm") != "1":
        return render_confirm(request, **confirm)
    try:
        body = ConfirmIn(password=form.get("password") or "-")
        await api.erase_me(body, actor=actor, service=service)
    except AppError as error:
        return render_confirm(request, **confirm, status=error.status, error=error.message)
    response = done("/", "account_closed")
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response
