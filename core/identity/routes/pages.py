"""Pages for people: sign in, create an account, the account page, sign out.

They use a Secure, HttpOnly, SameSite=Lax session cookie; every form post
checks Origin. Failures re-render the form with the reason and the right status."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from core.clock import iso
from core.data.actor import Actor
from core.errors import AppError
from core.http.context import request_context
from core.identity.account_sections import account_sections
from core.identity.auth import SESSION_COOKIE, identity, optional_actor
from core.identity.routes.api import LOGIN, LOGIN_PER_ACCOUNT, REGISTER, record_refused_sign_in
from core.identity.service import Identity, SignedIn, SignInRefused, public_user
from core.identity.sessions import PAGE_SESSION_TTL
from core.identity.tokens import hash_secret
from core.security.ratelimit import enforce
from core.web.render import check_origin, render, safe_next

router = APIRouter(include_in_schema=False)

# The same policies as the JSON API: a form and an API call share each budget.
LOGIN_PER_CLIENT, REGISTER_PER_CLIENT = LOGIN, REGISTER


def _signed_in_redirect(signed: SignedIn, target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed.session.token,
        max_age=PAGE_SESSION_TTL,
        path="/",
        secure=True,
        httponly=True,
        samesite="lax",
    )
    return response


async def _form(request: Request) -> dict[str, str]:
    form = await request.form(max_files=0, max_fields=20, max_part_size=8192)
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.get("/login")
async def login_page(
    request: Request, next: str | None = None, actor: Actor | None = Depends(optional_actor)
) -> Response:
    if actor is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), login="", error=None)


@router.post("/login")
async def login_submit(request: Request, service: Identity = Depends(identity)) -> Response:
    check_origin(request)
    form = await _form(request)
    login, target = form.get("login", "").strip().lower(), safe_next(form.get("next"))
    try:
        ctx = request_context(request.scope)
        await enforce(ctx, LOGIN_PER_CLIENT, ctx.client_key)
        await enforce(ctx, LOGIN_PER_ACCOUNT, hash_secret("login:" + login)[:32])
        signed = await service.login(login, form.get("password", ""), kind="page")
    except AppError as error:
        if isinstance(error, SignInRefused):
            record_refused_sign_in(request, error, kind="page")
        return render(
            request,
            "login.html",
            status=error.status,
            next=target,
            login=login,
            error=error.message,
        )
    return _signed_in_redirect(signed, target)


@router.get("/register")
async def register_page(
    request: Request, actor: Actor | None = Depends(optional_actor)
) -> Response:
    form = {"email": "", "username": "", "display_name": ""}
    return render(request, "register.html", signed_in=actor is not None, error=None, form=form)


@router.post("/register")
async def register_submit(request: Request, service: Identity = Depends(identity)) -> Response:
    check_origin(request)
    form = await _form(request)
    fields = {k: form.get(k, "") for k in ("email", "username", "display_name")}
    try:
        ctx = request_context(request.scope)
        await enforce(ctx, REGISTER_PER_CLIENT, ctx.client_key)
        signed = await service.register(
            fields["email"],
            fields["username"],
            form.get("password", ""),
            fields["display_name"].strip() or None,
            kind="page",
        )
    except AppError as error:
        return render(
            request, "register.html", status=error.status, error=error.message, form=fields
        )
    return _signed_in_redirect(signed, "/account")


@router.get("/account")
async def account_page(
    request: Request,
    actor: Actor | None = Depends(optional_actor),
    service: Identity = Depends(identity),
) -> Response:
    if actor is None:
        return RedirectResponse("/login?next=/account", status_code=303)
    user = public_user(await service.me(actor))
    rows = await service.sessions.of_user(actor.user_id)
    sessions = [
        {**row, "expires_at": iso(row["expires_at"]), "current": row["id"] == actor.session_id}
        for row in rows
    ]
    sections = await account_sections(request, actor, request.app.state.features)
    return render(
        request, "account.html", signed_in=True, user=user, sessions=sessions, sections=sections
    )


@router.post("/logout")
async def logout_submit(
    request: Request,
    actor: Actor | None = Depends(optional_actor),
    service: Identity = Depends(identity),
) -> Response:
    check_origin(request)
    if actor is not None:
        await service.logout(actor)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response
