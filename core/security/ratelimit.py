"""Rate limits: named policies over the ``Counter`` port, the IETF RateLimit
headers, and a record plus an audit entry when a client is limited."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from core.audit import AuditLog
from core.clock import iso
from core.errors import RateLimited
from core.http.context import AppliedPolicy, RequestContext
from core.ids import new_id
from core.security import window as sliding

log = logging.getLogger("creator_edge.ratelimit")


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    limit: int
    window: int  # seconds


# Each feature lists its policies in its ``Feature``: at the edge each window of 10
# or 60 seconds has a Workers Rate Limiting binding of its shape (tests/edge/test_build.py).


async def enforce(ctx: RequestContext, policy: Policy, identity: str, cost: int = 1) -> None:
    """Count this request against ``policy`` for ``identity``; raise ``RateLimited`` when over.

    The applied policy is added to the request context for the response headers.
    """
    ports = ctx.ports
    now = ports.clock.now()
    counted = await ports.counter.hit(
        f"{policy.name}:{identity}", limit=policy.limit, window=policy.window, now=now, cost=cost
    )
    window = policy.window
    into = now % window
    used = counted.previous * (1.0 - into / window) + counted.current
    applied = AppliedPolicy(
        policy.name,
        policy.limit,
        window,
        max(0, int(policy.limit - used)),  # what sliding.remaining computes, inlined: hot path
        max(1, math.ceil(window - into)),  # sliding.reset_seconds
    )
    ctx.policies.append(applied)
    if counted.allowed:
        return
    retry = sliding.retry_after(
        counted.previous, counted.current, now, policy.window, policy.limit, cost
    )
    applied.remaining = 0
    applied.reset = max(applied.reset, retry)
    ports.defer(record_limited(ctx, policy, identity, counted.current, now))
    raise RateLimited(
        details={
            "policy": policy.name,
            "limit": policy.limit,
            "window_seconds": policy.window,
            "retry_after": retry,
        },
        headers={"Retry-After": str(retry)},
    )


async def record_limited(
    ctx: RequestContext, policy: Policy, identity: str, admitted: int, now: float
) -> None:
    """Keep one ``rate_limit_records`` row per identity, policy and window, and
    audit the first refusal of each window."""
    db = ctx.ports.db
    window_start = iso(sliding.window_index(now, policy.window) * policy.window)
    stamp = iso(now)
    result = await db.run(
        "INSERT INTO rate_limit_records (id, identifier, endpoint, window_start, request_count,"
        ' rejected_count, "limit", window_ms, created_at, updated_at)'
        " VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)"
        " ON CONFLICT (identifier, endpoint, window_start) DO UPDATE SET"
        " request_count = request_count + 1, rejected_count = rejected_count + 1,"
        " updated_at = excluded.updated_at"
        " RETURNING rejected_count",
        new_id(now),
        identity,
        policy.name,
        window_start,
        admitted + 1,
        policy.limit,
        max(1000, min(policy.window * 1000, 3_600_000)),
        stamp,
        stamp,
    )
    if result.rows and result.rows[0]["rejected_count"] == 1:
        await AuditLog(db, ctx.ports.clock).record(
            "rate_limit.exceeded",
            status="denied",
            ip_hash=ctx.client_key,
            user_agent=ctx.user_agent,
            resource=policy.name,
            details={"limit": policy.limit, "window_seconds": policy.window},
            request_id=ctx.request_id,
        )
