"""Sign-in with a provider, linked identities and onboarding, over HTTP.

Pages: ``GET /auth/oauth/{provider}/start`` (302 to the provider; signed in, it
links instead), ``GET /auth/oauth/{provider}/callback`` (the provider comes back:
a session cookie and the next page, or a page saying why not, never a 500),
``GET, POST /onboarding``. API: ``GET /api/auth/providers``, ``GET /api/me/identities``,
``DELETE /api/me/identities/{id}``, ``GET, POST /api/me/onboarding``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from core.data.actor import Actor
from core.errors import AppError, NotFound
from core.http.context import request_context
from core.identity import oauth, oauth_repo
from core.identity.auth import current_actor, identity, optional_actor
from core.identity.linking import sign_in_with, unlink
from core.identity.models import OnboardingIn
from core.identity.onboarding import onboard, onboarding_state
from core.identity.routes.pages import _form, _signed_in_redirect
from core.identity.service import Identity
from core.security.ratelimit import Policy, enforce
from core.web.render import check_origin, render, safe_next

router = APIRouter(tags=["identity"])
# Starting and finishing provider sign-ins, per client: as tight as password sign-in.
OAUTH = Policy("oauth", 30, 60)


def _provider(request: Request, name: str) -> oauth.Provider:
    found = oauth.provider(request.app.state.settings, name)
    if found is None:
        raise NotFound(f"Sign-in with {name!r} is not offered here.", code="unknown_provider")
    return found


def _redirect_uri(request: Request, name: str) -> str:
    return str(request.url_for("oauth_callback", provider=name))


def _error_page(request: Request, error: AppError) -> Response:
    return render(request, "oauth_error.html", status=error.status, error=error.message)


@router.get("/auth/oauth/{provider}/start", include_in_schema=False)
async def oauth_start(
    provider: str,
    request: Request,
    next: str | None = None,
    actor: Actor | None = Depends(optional_actor),
) -> Response:
    ctx = request_context(request.scope)
    try:
        await enforce(ctx, OAUTH, ctx.client_key)
        p = _provider(request, provider)
        url = await oauth.begin(
            ctx.ports,
            p,
            _redirect_uri(request, provider),
            link_user_id=actor.user_id if actor else None,
            next=safe_next(next),
        )
    except AppError as error:
        return _error_page(request, error)
    return RedirectResponse(url, status_code=302, headers={"cache-control": "no-store"})


@router.get("/auth/oauth/{provider}/callback", include_in_schema=False, name="oauth_callback")
async def oauth_callback(
    provider: str,
    request: Request,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
    service: Identity = Depends(identity),
) -> Response:
    ctx = request_context(request.scope)
    try:
        await enforce(ctx, OAUTH, ctx.client_key)
        p = _provider(request, provider)
        pending = await oauth.take_state(ctx.ports, provider, state)
        if error or not code or len(code) > 2048:
            said = (error or "no code")[:64]  # the provider's error code, shortened
            raise oauth.OAuthRefused(f"{provider} did not sign you in ({said}).")
        tokens = await oauth.exchange(ctx.ports, p, pending, code)
        account = await oauth.account_of(ctx.ports, p, tokens, pending)
        done = await sign_in_with(service, account, pending.link_user_id)
    except AppError as failure:
        return _error_page(request, failure)
    if done.signed is None:  # linked to the account already signed in
        return RedirectResponse(pending.next, status_code=303)
    target = "/onboarding" if not done.user["onboarded"] else pending.next
    return _signed_in_redirect(done.signed, target)


@router.get("/api/auth/providers")
async def providers(request: Request) -> dict[str, Any]:
    """The providers one can sign in with here, and where each sign-in starts."""
    names = oauth.enabled(request.app.state.settings)
    return {"items": [{"provider": n, "start_url": f"/auth/oauth/{n}/start"} for n in names]}


def identity_out(row: oauth_repo.IdentityRow) -> dict[str, Any]:
    return {
        "id": row["id"],
        "provider": row["provider"],
        "email": row["email"],
        "email_verified": bool(row["email_verified"]),
        "display_name": row["display_name"],
        "created_at": row["created_at"],
        "last_used_at": row["last_used_at"],
    }


@router.get("/api/me/identities")
async def my_identities(
    actor: Actor = Depends(current_actor), service: Identity = Depends(identity)
) -> dict[str, Any]:
    rows = await oauth_repo.linked_identities(service.ports.db, service.pii, actor.user_id)
    return {"items": [identity_out(r) for r in rows], "next_cursor": None}


@router.delete("/api/me/identities/{identity_id}", status_code=204)
async def unlink_identity(
    identity_id: str, actor: Actor = Depends(current_actor), service: Identity = Depends(identity)
) -> Response:
    await unlink(service, actor, identity_id)
    return Response(status_code=204)


@router.get("/api/me/onboarding")
async def read_onboarding(
    actor: Actor = Depends(current_actor), service: Identity = Depends(identity)
) -> dict[str, Any]:
    return await onboarding_state(service, actor)


@router.post("/api/me/onboarding")
async def finish_onboarding(
    body: OnboardingIn,
    request: Request,
    actor: Actor = Depends(current_actor),
    service: Identity = Depends(identity),
) -> dict[str, Any]:
    """Pick a username and a role (creator or influencer), and perhaps a first profile."""
    profile = body.profile.model_dump() if body.profile else None
    return await onboard(service, request, actor, body.username, body.role, profile)


@router.get("/onboarding", include_in_schema=False)
async def onboarding_page(
    request: Request,
    actor: Actor | None = Depends(optional_actor),
    service: Identity = Depends(identity),
) -> Response:
    if actor is None:
        return RedirectResponse("/login?next=/onboarding", status_code=303)
    state = await onboarding_state(service, actor)
    if state["onboarded"]:
        return RedirectResponse("/account", status_code=303)
    form = {"username": "", "role": state["role"], "slug": "", "display_name": ""}
    return render(request, "onboarding.html", signed_in=True, form=form, error=None)


@router.post("/onboarding", include_in_schema=False)
async def onboarding_submit(
    request: Request,
    actor: Actor | None = Depends(optional_actor),
    service: Identity = Depends(identity),
) -> Response:
    check_origin(request)
    if actor is None:
        return RedirectResponse("/login?next=/onboarding", status_code=303)
    form = await _form(request)
    fields = {k: form.get(k, "").strip() for k in ("username", "role", "slug", "display_name")}
    profile = None
    if fields["slug"]:
        profile = {
            "slug": fields["slug"],
            "display_name": fields["display_name"] or fields["username"],
        }
    try:
        role = fields["role"] if fields["role"] in ("creator", "influencer") else "creator"
        await onboard(service, request, actor, fields["username"], role, profile)
    except AppError as error:
        return render(
            request,
            "onboarding.html",
            status=error.status,
            signed_in=True,
            form=fields,
            error=error.message,
        )
    return RedirectResponse("/account", status_code=303)
