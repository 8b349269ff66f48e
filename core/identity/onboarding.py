"""Onboarding: an account a provider made picks its username and its role, and,
if it wants, its first profile (made by the profiles feature, which identity may
not import: it provides a ``ProfileStarter``).

Creators and influencers. The two roles have the same permissions on every route:
what an account may do is set by its plan (``core.usage``), not by what it calls
itself, and only ``admin`` is a privilege. The role is the account's own choice of
kind, shown on its account and to admins. It is chosen once, here; after
onboarding only an admin changes it (``PATCH /api/admin/users/{id}``), so an
account cannot flip its kind back and forth."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from fastapi import Request

from core.clock import iso
from core.data.actor import Actor
from core.errors import Conflict, Invalid
from core.identity import validation
from core.identity.service import Identity

SELF_ROLES = ("creator", "influencer")


@runtime_checkable
class ProfileStarter(Protocol):
    """Provided by the profiles feature: make the acting user's first profile."""

    async def start_profile(
        self, request: Request, actor: Actor, slug: str, display_name: str
    ) -> dict[str, Any]: ...


async def onboarding_state(service: Identity, actor: Actor) -> dict[str, Any]:
    user = await service.me(actor)
    row = await service.users.credentials_by_id(actor.user_id)
    assert row is not None
    return {
        "onboarded": bool(row["onboarded"]),
        "username": user["username"],
        "role": user["role"],
        "roles": list(SELF_ROLES),
        "has_password": bool(row["has_password"]),
    }


async def onboard(
    service: Identity,
    request: Request,
    actor: Actor,
    username: str,
    role: str,
    profile: dict[str, str] | None,
) -> dict[str, Any]:
    row = await service.users.credentials_by_id(actor.user_id)
    assert row is not None
    if row["onboarded"]:
        raise Conflict("This account is set up already.", code="already_onboarded")
    if role not in SELF_ROLES:
        raise Invalid("The role is creator or influencer.", details=[{"field": "role"}])
    try:
        name = validation.normalize_username(username)
    except validation.ValidationError as e:
        raise Invalid(str(e), details=[{"field": "username", "message": str(e)}]) from None
    if name != row["username"] and "username" in await service.users.taken(None, name):
        raise Conflict("This username is already taken.", code="already_taken")
    now = iso(service.ports.clock.now())
    await service.users.update(actor.user_id, {"username": name, "role": role, "onboarded": 1}, now)
    if role != row["role"]:
        await service.sessions.recache_role(actor.user_id, role)
    await service.record(
        "account.onboarded",
        user_id=actor.user_id,
        details={
            "before": {"username": row["username"], "role": row["role"]},
            "after": {"username": name, "role": role},
        },
    )
    made = None
    if profile is not None:
        starter = next(
            (p for f in service.features for p in f.provides if isinstance(p, ProfileStarter)),
            None,
        )
        if starter is not None:
            made = await starter.start_profile(
                request,
                Actor(actor.user_id, role, actor.session_id),  # type: ignore[arg-type]
                profile["slug"],
                profile["display_name"],
            )
    state = await onboarding_state(service, actor)
    return {**state, "profile": made}
