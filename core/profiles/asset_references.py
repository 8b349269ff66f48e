"""Profiles' side of ``core.assets.AssetReferences``: an avatar points at an asset.

The assets feature sits below profiles and cannot import it; it is given this
(``Feature.provides``) to check an upload's profile and let go of a deleted avatar."""

from __future__ import annotations

from core.data.owned import Owned
from core.ports import Ports, Statement
from core.profiles.public_page.page import owner_pages_changed
from core.profiles.repo import PROFILES, version_bump_for_avatar


def avatar_removed(owner_id: str, asset_id: str) -> list[Statement]:
    """For the deletion batch of an asset: profiles showing it as avatar drop it."""
    return [version_bump_for_avatar(owner_id, asset_id)]


class AvatarReferences:
    async def owns_profile(self, owned: Owned, profile_id: str) -> bool:
        return await owned.find(PROFILES, profile_id) is not None

    def asset_removed(self, owner_id: str, asset_id: str) -> list[Statement]:
        return avatar_removed(owner_id, asset_id)

    async def asset_removed_committed(self, ports: Ports, owner_id: str) -> None:
        await owner_pages_changed(ports, owner_id)
