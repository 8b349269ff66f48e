"""Profiles' side of ``core.analytics.ProfileDirectory``: analytics sits below
profiles and is given this (``Feature.provides``) to learn whose a profile is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request

from core.data.actor import Actor
from core.data.owned import Owned
from core.http.context import request_context
from core.ports import Database, Ports
from core.profiles.public_page.page import owner_pages_changed
from core.profiles.repo import PROFILES, PublicRepo


class Directory:
    async def public_owners(self, db: Database, ids: Sequence[str]) -> dict[str, str]:
        return await PublicRepo(db).public_owners(ids)

    async def consent_profiles(self, db: Database, ids: Sequence[str]) -> set[str]:
        return await PublicRepo(db).consent_profiles(ids)

    async def check_owned(self, owned: Owned, profile_id: str) -> None:
        await owned.get(PROFILES, profile_id)


class PagesOfStanding:
    """``core.identity.standing.StandingWatcher``: an account closed or restored,
    its cached public pages go, so the next view asks the database again."""

    async def standing_changed(self, ports: Ports, user_id: str) -> None:
        await owner_pages_changed(ports, user_id)


class FirstProfile:
    """``core.identity.ProfileStarter``: onboarding's first profile, made as
    ``POST /api/profiles`` makes one (its checks, its plan gate, its audit)."""

    async def start_profile(
        self, request: Request, actor: Actor, slug: str, display_name: str
    ) -> dict[str, Any]:
        from core.profiles.models import ProfileIn
        from core.profiles.service import Profiles

        ctx = request_context(request.scope)
        service = Profiles(ctx.ports, Owned(ctx.ports.db, actor), ctx)
        made = await service.create(ProfileIn(slug=slug, display_name=display_name))
        return made.model_dump() if hasattr(made, "model_dump") else dict(made)
