"""Profiles' side of ``core.analytics.ProfileDirectory``: analytics sits below
profiles and is given this (``Feature.provides``) to learn whose a profile is."""

from __future__ import annotations

from collections.abc import Sequence

from core.data.owned import Owned
from core.ports import Database
from core.profiles.repo import PROFILES, PublicRepo


class Directory:
    async def public_owners(self, db: Database, ids: Sequence[str]) -> dict[str, str]:
        return await PublicRepo(db).public_owners(ids)

    async def check_owned(self, owned: Owned, profile_id: str) -> None:
        await owned.get(PROFILES, profile_id)
