"""An account's standing: active, or deactivated (by its owner, within a grace
period, or by an admin). What the public sees of a deactivated account: nothing.

Features above identity ask here before they serve an owner's public page,
redirect, analytics collection or sync (``inactive_among``, ``is_active``), and
tell identity how to drop what they cached (``StandingWatcher``, provided
through ``Feature.provides``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from core.feature import Feature
from core.ports import Database, Ports


@runtime_checkable
class StandingWatcher(Protocol):
    """Told when an account is deactivated or restored, after the change committed."""

    async def standing_changed(self, ports: Ports, user_id: str) -> None: ...


def watchers(features: Sequence[Feature]) -> list[StandingWatcher]:
    return [p for f in features for p in f.provides if isinstance(p, StandingWatcher)]


async def notify(ports: Ports, features: Sequence[Feature], user_id: str) -> None:
    for watcher in watchers(features):
        await watcher.standing_changed(ports, user_id)


async def inactive_among(db: Database, user_ids: Iterable[str]) -> set[str]:
    """Which of ``user_ids`` are deactivated (erased ones have no rows to ask about)."""
    ids = sorted(set(user_ids))
    if not ids:
        return set()
    rows = await db.all(
        "SELECT id FROM users WHERE deleted_at IS NOT NULL"
        " AND id IN (SELECT value FROM json_each(?))",
        json.dumps(ids),
    )
    return {row["id"] for row in rows}


async def account_active(db: Database, user_id: str) -> bool:
    row = await db.first("SELECT deleted_at FROM users WHERE id = ?", user_id)
    return row is not None and row["deleted_at"] is None
