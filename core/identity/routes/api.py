"""Identity over HTTP: sign-up, sign-in, tokens, the account, sessions, GDPR."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from core.audit import AuditLog
from core.clock import iso
from core.data.actor import Actor
from core.data.owned import decode_cursor, encode_cursor
from core.errors import NotFound
from core.events import ServerEvent, record_after_response
from core.http.context import request_context
from core.identity import gdpr
from core.identity.auth import current_actor, identity
from core.identity.models import (
    ConfirmIn,
    LoginIn,
    MePatch,
    RefreshIn,
    RegisterIn,
    SessionOut,
    TokensOut,
    UserOut,
)
from core.identity.service import Identity, SignedIn, SignInRefused, public_user
from core.identity.tokens import hash_secret
from core.security.limits import limit_key, per_client
from core.security.ratelimit import Policy

router = APIRouter(tags=["identity"])

# Sign-in attempts: per client address and per account, tighter than the default.
LOGIN = Policy("login", 5, 60)
LOGIN_PER_ACCOUNT = Policy("login_account", 5, 60)
REGISTER = Policy("register", 5, 60)
REFRESH = Policy("refresh", 30, 60)
LOGIN_PER_CLIENT = per_client(LOGIN)
REGISTER_PER_CLIENT = per_client(REGISTER)
REFRESH_PER_CLIENT = per_client(REFRESH)


def tokens_body(signed: SignedIn) -> dict[str, Any]:
    return {
        "user": public_user(signed.user),
        "access_token": signed.access_token,
        "refresh_token": signed.session.token,
        "token_type": "bearer",
        "expires_in": signed.expires_in,
    }


def _no_store(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"cache-control": "no-store"})


@router.post(
    "/api/auth/register",
    status_code=201,
    response_model=TokensOut,
    dependencies=[Depends(REGISTER_PER_CLIENT)],
)
async def register(body: RegisterIn, service: Identity = Depends(identity)) -> JSONResponse:
    signed = await service.register(body.email, body.username, body.password, body.display_name)
    return _no_store(tokens_body(signed), 201)


@router.post("/api/auth/login", response_model=TokensOut, dependencies=[Depends(LOGIN_PER_CLIENT)])
async def login(
    body: LoginIn, request: Request, service: Identity = Depends(identity)
) -> JSONResponse:
    # The account key is hashed: the rate-limit store never holds an email address.
    await limit_key(request, LOGIN_PER_ACCOUNT, hash_secret("login:" + body.identifier)[:32])
    try:
        signed = await service.login(body.identifier, body.password)
    except SignInRefused as refused:
        record_refused_sign_in(request, refused, kind="api")
        raise
    return _no_store(tokens_body(signed))


def record_refused_sign_in(request: Request, refused: SignInRefused, *, kind: str) -> None:
    """A wrong password for an account: a security event of its owner's, after the
    response (with the country and device it came from, never the address)."""
    record_after_response(
        request,
        ServerEvent(
            type="security_event",
            owner_id=refused.user_id,
            path=request.url.path,
            properties={"action": "sign_in_refused", "reason": refused.code, "kind": kind},
        ),
    )


@router.post(
    "/api/auth/refresh", response_model=TokensOut, dependencies=[Depends(REFRESH_PER_CLIENT)]
)
async def refresh(body: RefreshIn, service: Identity = Depends(identity)) -> JSONResponse:
    return _no_store(tokens_body(await service.refresh(body.refresh_token)))


@router.post("/api/auth/logout", status_code=204)
async def logout(
    actor: Actor = Depends(current_actor), service: Identity = Depends(identity)
) -> Response:
    await service.logout(actor)
    return Response(status_code=204)


@router.get("/api/me", response_model=UserOut)
async def read_me(
    actor: Actor = Depends(current_actor), service: Identity = Depends(identity)
) -> dict[str, Any]:
    return public_user(await service.me(actor))


@router.patch("/api/me", response_model=UserOut)
async def update_me(
    body: MePatch, actor: Actor = Depends(current_actor), service: Identity = Depends(identity)
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    return public_user(await service.update_me(actor, changes))


@router.delete("/api/me", status_code=204)
async def erase_me(
    body: ConfirmIn,
    actor: Actor = Depends(current_actor),
    service: Identity = Depends(identity),
) -> Response:
    """Close the account: deactivated at once (sessions end, public pages and
    redirects answer 404, analytics and syncs stop), erased with everything it owns
    when the grace period ends (``CREATOR_EDGE_ACCOUNT_GRACE_DAYS``, 30 days)
    unless its owner signs in again before. Needs the password in the body."""
    await service.confirm_password(actor, body.password)
    await service.deactivate_me(actor)
    return Response(status_code=204)


@router.get("/api/me/export")
async def export_me(
    request: Request, actor: Actor = Depends(current_actor), service: Identity = Depends(identity)
) -> StreamingResponse:
    """Everything stored about me, as JSON, streamed (derived rollups are left out)."""
    ctx = request_context(request.scope)
    await service.record("account.exported", user_id=actor.user_id)
    return StreamingResponse(
        gdpr.export(ctx.ports, actor, request.app.state.features, service.pii),
        media_type="application/json",
        headers={
            "cache-control": "no-store",
            "content-disposition": 'attachment; filename="creator-edge-export.json"',
        },
    )


@router.get("/api/me/sessions")
async def my_sessions(
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=200),
    actor: Actor = Depends(current_actor),
    service: Identity = Depends(identity),
) -> dict[str, Any]:
    found = await service.sessions.page_for_user(
        actor.user_id, before_id=decode_cursor(cursor), limit=limit + 1
    )
    rows = found[:limit]
    items = [
        SessionOut(
            id=r["id"],
            kind=r["kind"],
            device=r["device"],
            created_at=r["created_at"],
            last_active_at=r["last_active_at"],
            expires_at=iso(r["expires_at"]),
            revoked_at=r["revoked_at"],
            current=r["id"] == actor.session_id,
        ).model_dump()
        for r in rows
    ]
    return {
        "items": items,
        "next_cursor": encode_cursor(rows[-1]["id"]) if len(found) > limit else None,
    }


@router.delete("/api/me/sessions/{session_id}", status_code=204)
async def revoke_session(
    session_id: str, actor: Actor = Depends(current_actor), service: Identity = Depends(identity)
) -> Response:
    row = await service.sessions.find(session_id)
    if row is None or row["user_id"] != actor.user_id:
        raise NotFound("No session has this id.")
    await service.sessions.revoke(session_id, "revoked_by_user")
    await service.record("auth.session_revoked", user_id=actor.user_id, resource=session_id)
    return Response(status_code=204)


@router.get("/api/me/audit")
async def my_audit(
    request: Request,
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=200),
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    ports = request_context(request.scope).ports
    entries = await AuditLog(ports.db, ports.clock).list(
        user_id=actor.user_id, before_id=decode_cursor(cursor), limit=limit + 1
    )
    page = entries[:limit]
    return {
        "items": [asdict(entry) for entry in page],
        "next_cursor": encode_cursor(page[-1].id) if len(entries) > limit else None,
    }
