"""What points at assets from other features (a profile's avatar), declared here
because those features sit above assets and assets may not import them."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from core.data.owned import Owned
from core.ports import Ports, Statement


@runtime_checkable
class AssetReferences(Protocol):
    """Provided by the feature whose rows point at assets (``Feature.provides``)."""

    async def owns_profile(self, owned: Owned, profile_id: str) -> bool:
        """Whether ``profile_id`` (an upload's ``profile_id`` field) is one of the owner's."""
        ...

    def asset_removed(self, owner_id: str, asset_id: str) -> list[Statement]:
        """Statements for the deletion's batch: whatever pointed at the asset lets go."""
        ...

    async def asset_removed_committed(self, ports: Ports, owner_id: str) -> None:
        """After the batch: what shows the asset (a cached page) shows it gone."""
        ...
