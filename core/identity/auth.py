"""Who is asking: FastAPI dependencies that turn a bearer token or the page
session cookie into the acting user, with no database query on the way."""

from __future__ import annotations

from fastapi import Depends, Request

from core.data.actor import Actor
from core.data.owned import Owned
from core.errors import Forbidden, Unauthorized
from core.http.context import request_context
from core.identity.service import Identity
from core.identity.sessions import Sessions
from core.identity.tokens import signing_key
from core.web.render import check_origin

SESSION_COOKIE = "ce_session"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def identity(request: Request) -> Identity:
    ctx = request_context(request.scope)
    return Identity(ctx.ports, request.app.state.settings, ctx, request.app.state.features)


def _access_key(request: Request) -> bytes:
    settings = request.app.state.settings
    return signing_key(settings.secret_key.get_secret_value(), "access-token")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Use 'Authorization: Bearer <access token>'.", code="invalid_token")
    return token.strip()


async def optional_actor(request: Request) -> Actor | None:
    """The signed-in user, if any: a bearer token first, else the page cookie."""
    cached = request.scope.get("creator_edge.actor")
    if cached is not None:
        actor: Actor = cached
        return actor
    sessions = Sessions(request_context(request.scope).ports, _access_key(request))
    token = _bearer(request)
    found: Actor | None
    if token is not None:
        found = await sessions.actor_from_access_token(token)
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        found = await sessions.actor_from_cookie(cookie) if cookie else None
    if found is not None:
        request.scope["creator_edge.actor"] = found
    return found


async def current_actor(request: Request) -> Actor:
    actor = await optional_actor(request)
    if actor is None:
        raise Unauthorized()
    if request.method not in _SAFE_METHODS and _bearer(request) is None:
        # Signed in by the page cookie: only this site's own pages may change state.
        check_origin(request)
    return actor


async def admin_actor(actor: Actor = Depends(current_actor)) -> Actor:
    if not actor.is_admin:
        raise Forbidden("Only an admin can do this.")
    return actor


def owned(request: Request, actor: Actor = Depends(current_actor)) -> Owned:
    """The owner-scoped query layer for this request's user."""
    return Owned(request_context(request.scope).ports.db, actor)
