"""Which version a client is offered: channels and staged rollouts.

A client is in a version's rollout when the stable hash of (version, client
id) falls below the rollout's share of 10,000 buckets: the same client gets the
same answer on every check, and raising a rollout only adds clients.

Stable offers the latest version, else (a client outside its rollout) the newest
release below it the client is in. Beta offers the same, plus the pre-releases
newer than the latest.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

from core.releases import versions
from core.releases.repo import VersionRow

BUCKETS = 10_000


def bucket(version: str, client_id: str) -> int:
    """The client's bucket for a version, 0 to 9,999, the same on every call."""
    digest = sha256(f"{version}\x00{client_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def in_rollout(row: VersionRow, client_id: str) -> bool:
    if row["rollout"] >= 100:
        return True
    return bucket(row["version"], client_id) < row["rollout"] * (BUCKETS // 100)


def candidates(rows: Sequence[VersionRow], channel: str) -> list[VersionRow]:
    """What a channel may offer, newest first: nothing above the latest release but
    (on beta) the pre-releases newer than it."""
    latest = next((r for r in rows if r["is_latest"]), None)
    if latest is None:
        return []
    top = versions.parse(latest["version"])
    eligible = [
        r
        for r in rows
        if (not r["prerelease"] and versions.parse(r["version"]) <= top)
        or (channel == "beta" and r["prerelease"] and versions.parse(r["version"]) > top)
    ]
    return sorted(eligible, key=lambda r: versions.parse(r["version"]), reverse=True)


def offered(rows: Sequence[VersionRow], channel: str, client_id: str) -> VersionRow | None:
    """The newest version of ``channel`` whose rollout includes ``client_id``."""
    for row in candidates(rows, channel):
        if in_rollout(row, client_id):
            return row
    return None


def offered_list(
    rows: Sequence[VersionRow], channel: str, client_id: str, limit: int
) -> list[VersionRow]:
    """The channel's versions the client is in, newest first (an appcast's items)."""
    return [r for r in candidates(rows, channel) if in_rollout(r, client_id)][:limit]
