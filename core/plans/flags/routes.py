"""Flags over HTTP: ``GET /api/flags`` (the signed-in user's values) and the
admins' ``/api/admin/flags`` (every change audited with its before and after)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.audit import AuditLog
from core.clock import iso
from core.data.actor import Actor
from core.errors import NotFound
from core.http.context import request_context
from core.identity import admin_actor, current_actor
from core.plans.flags.evaluate import Flag, evaluate_all
from core.plans.flags.store import FlagRepo, FlagRow, flag_cache, publish
from core.plans.models import Tier
from core.plans.snapshot import cache_of
from core.ports import Statement
from core.text import has_control_characters

router = APIRouter(tags=["flags"])

KEY_PATTERN = r"^[a-z][a-z0-9_.-]{0,63}$"
MAX_OVERRIDES = 1000
FlagKey = Path(pattern=KEY_PATTERN, max_length=64)


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field("", max_length=500)
    default_on: bool = False
    plan_values: dict[Tier, bool] = Field(default_factory=dict)
    user_overrides: dict[str, bool] = Field(default_factory=dict, max_length=MAX_OVERRIDES)
    rollout_percent: float | None = Field(None, ge=0, le=100, allow_inf_nan=False)

    @field_validator("description")
    @classmethod
    def _plain_text(cls, value: str) -> str:
        if has_control_characters(value):
            raise ValueError("control characters are not allowed")
        return value

    @field_validator("user_overrides")
    @classmethod
    def _user_ids(cls, value: dict[str, bool]) -> dict[str, bool]:
        for user_id in value:
            if not (0 < len(user_id) <= 64 and user_id.isalnum() and user_id.isascii()):
                raise ValueError("keys are user ids")
        return value


def flag_out(row: FlagRow) -> dict[str, Any]:
    return {
        "key": row["key"],
        "description": row["description"],
        "default_on": bool(row["default_on"]),
        "plan_values": json.loads(row["plan_values"]),
        "user_overrides": json.loads(row["user_overrides"]),
        "rollout_percent": row["rollout_percent"],
        "version": row["version"],
        "updated_at": row["updated_at"],
    }


@router.get("/api/flags")
async def my_flags(request: Request, actor: Actor = Depends(current_actor)) -> dict[str, Any]:
    """The signed-in user's flags, evaluated (no database statement: KV or the isolate's copy)."""
    ports = request_context(request.scope).ports
    flags = await flag_cache(request.app.state).current(ports)
    tier = (await cache_of(request.app.state).get(ports, actor.user_id)).tier
    return {"flags": evaluate_all(flags, actor.user_id, tier)}


@router.get("/api/admin/flags")
async def list_flags(request: Request, admin: Actor = Depends(admin_actor)) -> dict[str, Any]:
    ports = request_context(request.scope).ports
    return {"items": [flag_out(r) for r in await FlagRepo(ports.db).all()], "next_cursor": None}


@router.put("/api/admin/flags/{key}")
async def put_flag(
    request: Request, body: FlagIn, key: str = FlagKey, admin: Actor = Depends(admin_actor)
) -> dict[str, Any]:
    """Create or replace a flag; published at once."""
    ctx = request_context(request.scope)
    repo = FlagRepo(ctx.ports.db)
    before = await repo.get(key)
    flag = Flag(
        key,
        body.default_on,
        {str(k): v for k, v in body.plan_values.items()},
        body.user_overrides,
        body.rollout_percent,
    )
    after = {**body.model_dump(), "key": key}
    await ctx.ports.db.batch(
        [
            repo.upsert_statement(flag, body.description, iso(ctx.ports.clock.now())),
            _audit(request, admin, "flag.changed", key, before, after),
        ]
    )
    await publish(ctx.ports, flag_cache(request.app.state))
    row = await repo.get(key)
    assert row is not None
    return flag_out(row)


@router.delete("/api/admin/flags/{key}", status_code=204)
async def delete_flag(
    request: Request, key: str = FlagKey, admin: Actor = Depends(admin_actor)
) -> Response:
    ctx = request_context(request.scope)
    repo = FlagRepo(ctx.ports.db)
    before = await repo.get(key)
    if before is None:
        raise NotFound("No flag has this key.")
    await ctx.ports.db.batch(
        [repo.delete_statement(key), _audit(request, admin, "flag.deleted", key, before, None)]
    )
    await publish(ctx.ports, flag_cache(request.app.state))
    return Response(status_code=204)


def _audit(
    request: Request,
    admin: Actor,
    action: str,
    key: str,
    before: FlagRow | None,
    after: dict[str, Any] | None,
) -> Statement:
    ctx = request_context(request.scope)
    return AuditLog(ctx.ports.db, ctx.ports.clock).statement(
        action,
        user_id=admin.user_id,
        resource=f"flag:{key}",
        details={"before": None if before is None else flag_out(before), "after": after},
        ip_hash=ctx.client_key,
        user_agent=ctx.user_agent,
        request_id=ctx.request_id,
    )
