"""Per-route rate limits, as FastAPI dependencies, on top of the default one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from core.http.context import request_context
from core.security.ratelimit import Policy, enforce


def per_client(policy: Policy) -> Callable[[Request], Awaitable[None]]:
    """A dependency limiting each client (by its address hash) on this route."""

    async def dependency(request: Request) -> None:
        ctx = request_context(request.scope)
        await enforce(ctx, policy, ctx.client_key)

    return dependency


async def limit_key(request: Request, policy: Policy, key: str) -> None:
    """Count this request against ``policy`` for an identity other than the client
    (an account name, a user id)."""
    await enforce(request_context(request.scope), policy, key)
