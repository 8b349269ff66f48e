"""Profiles' side of ``core.analytics.ProfileDirectory``: analytics sits below
profiles and is given this (``Feature.provides``) to learn whose a profile is."""

from __future__ import annotations

from collections.abc import Sequence

from core.data.owned import Owned
from core.ports import Database, Ports
from core.profiles.public_page.page import owner_pages_changed
from core.profiles.repo import PROFILES, PublicRepo


class Directory:
    async def public_owners(self, db: Database, ids: Sequence[str]) -> dict[str, str]:
        return await PublicRepo(db).public_owners(ids)

    async def check_owned(self, owned: Owned, profile_id: str) -> None:
        await owned.get(PROFILES, profile_id)


class PagesOfStanding:
    """``core.identity.standing.StandingWatcher``: an account closed or restored,
    its cached public pages go, so the next view asks the database again."""

    async def standing_changed(self, ports: Ports, user_id: str) -> None:
        await owner_pages_changed(ports, user_id)
