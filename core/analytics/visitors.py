"""The salted visitor hash, for features that count visitors of their own.

The same hash analytics counts a profile's visitors by (``ingest.salts``): a
keyed BLAKE2b of (scope, the pipeline's keyed hash of the address, user agent)
under the day's random salt, which is deleted after two days. It cannot be
reversed by enumerating addresses, and it is the same visitor for one scope and
one UTC day only. ``scope`` separates the counters (a profile id, "downloads").
"""

from __future__ import annotations

from fastapi import Request

from core.analytics.ingest import salts
from core.http.context import request_context


async def visitor_hash(request: Request, scope: str) -> str:
    """This request's visitor for ``scope`` today: 16 hex digits, never the address."""
    ctx = request_context(request.scope)
    now = ctx.ports.clock.now()
    salt = await salts.salt_for(ctx.ports.kv, salts.day_of(now), now)
    return salts.visitor_hash(salt, scope, ctx.client_key, ctx.user_agent or "")
