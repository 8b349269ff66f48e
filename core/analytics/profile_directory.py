"""What analytics needs to know of profiles, declared here because the profiles
feature sits above analytics (it records views and clicks) and analytics may not
import it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from core.data.owned import Owned
from core.ports import Database


@runtime_checkable
class ProfileDirectory(Protocol):
    """Provided by the profiles feature (``Feature.provides``)."""

    async def public_owners(self, db: Database, ids: Sequence[str]) -> dict[str, str]:
        """The owner of each public profile among ``ids`` (others left out)."""
        ...

    async def consent_profiles(self, db: Database, ids: Sequence[str]) -> set[str]:
        """Those of ``ids`` in the consent mode: visitors hashed only after they agree
        (the others are counted without a visitor hash)."""
        ...

    async def check_owned(self, owned: Owned, profile_id: str) -> None:
        """Raise ``NotFound`` unless ``profile_id`` is one of the acting user's profiles."""
        ...
