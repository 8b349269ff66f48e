"""Avatars: a profile's picture is a ready image asset of the profile's owner,
shown on the public page from where the assets feature serves it."""

from __future__ import annotations

from core.assets import is_ready_image, ready_image_urls
from core.data.owned import Owned
from core.errors import Invalid
from core.ports import Database


async def check(owned: Owned, asset_id: str) -> None:
    """Refuse (422) an id that is not one of the owner's ready images."""
    if not await is_ready_image(owned, asset_id):
        raise Invalid(
            "The avatar must be one of your uploaded images.",
            details=[{"field": "avatar_asset_id", "message": "not a ready image of yours"}],
        )


async def urls(db: Database, owner_id: str, asset_ids: list[str | None]) -> dict[str, str]:
    """The public URL of each of these assets that is a ready image of ``owner_id``."""
    return await ready_image_urls(db, owner_id, [i for i in asset_ids if i])
