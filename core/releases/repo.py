"""The release tables' SQL: ``app_versions``, ``downloads``, ``feedbacks``, ``diagnostics``.

Rows leave this module typed as the migration declares them
(``d1_migrations/0018_releases.sql``; ``tests/core/test_typed_rows.py`` holds
the two together). ``feedbacks`` and ``diagnostics`` are owned tables, their
``owner_id`` a soft reference: export and erasure walk them through ``Owned``.
"""

from __future__ import annotations

import json
from typing import TypedDict, cast

from core.data.owned import OwnedTable
from core.ports import Database, Param, Statement, stmt

FEEDBACKS = OwnedTable("feedbacks", "feedback", sealed=("email",))


def email_aad(feedback_id: str) -> str:
    """The associated data a feedback's sealed email is bound to (its row)."""
    return f"feedbacks.email:{feedback_id}"


DIAGNOSTICS = OwnedTable("diagnostics", "diagnostic")


class VersionRow(TypedDict):
    """A row of ``app_versions``."""

    id: str
    version: str
    release_date: float
    download_url: str
    changelog: str
    is_latest: int
    prerelease: int
    rollout: int
    platforms: str
    created_at: str


class DownloadRow(TypedDict):
    """A row of ``downloads``."""

    id: str
    os: str
    timestamp: float
    user_agent: str | None
    ip_hash: str | None
    version: str | None


class FeedbackRow(TypedDict):
    """A row of ``feedbacks``."""

    id: str
    owner_id: str | None
    message: str
    email: str | None
    timestamp: float


class DiagnosticRow(TypedDict):
    """A row of ``diagnostics``."""

    id: str
    owner_id: str | None
    file_path: str
    file_size: int
    stored: int
    content_type: str | None
    timestamp: float


class VersionRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def all(self) -> list[VersionRow]:
        """Every version (a desktop app has hundreds at most; ordering is semver's, in Python)."""
        return cast(list[VersionRow], await self.db.all("SELECT * FROM app_versions"))

    async def latest(self) -> VersionRow | None:
        row = await self.db.first("SELECT * FROM app_versions WHERE is_latest = 1")
        return cast(VersionRow | None, row)

    async def by_version(self, version: str) -> VersionRow | None:
        row = await self.db.first("SELECT * FROM app_versions WHERE version = ?", version)
        return cast(VersionRow | None, row)

    def insert_statements(self, row: VersionRow) -> list[Statement]:
        """Insert ``row``; when it is the latest, clear the old latest first, in the same
        batch (the partial unique index refuses a second latest whatever races)."""
        insert = stmt(
            "INSERT INTO app_versions (id, version, release_date, download_url, changelog,"
            " is_latest, prerelease, rollout, platforms, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            row["id"],
            row["version"],
            row["release_date"],
            row["download_url"],
            row["changelog"],
            row["is_latest"],
            row["prerelease"],
            row["rollout"],
            row["platforms"],
            row["created_at"],
        )
        if not row["is_latest"]:
            return [insert]
        return [stmt("UPDATE app_versions SET is_latest = 0 WHERE is_latest = 1"), insert]

    def mark_latest_statements(self, version: str) -> list[Statement]:
        """Make ``version`` (a release, not a pre-release) the one latest: nothing changes
        when it does not exist, so there is never a moment with none."""
        return [
            stmt(
                "UPDATE app_versions SET is_latest = 0 WHERE is_latest = 1 AND version <> ?"
                " AND EXISTS (SELECT 1 FROM app_versions WHERE version = ? AND prerelease = 0)",
                version,
                version,
            ),
            stmt(
                "UPDATE app_versions SET is_latest = 1 WHERE version = ? AND prerelease = 0",
                version,
            ),
        ]

    def rollout_statement(self, version: str, rollout: int) -> Statement:
        return stmt("UPDATE app_versions SET rollout = ? WHERE version = ?", rollout, version)


class ActivityRepo:
    """Downloads, feedback and diagnostics: written by the public routes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def download_statement(self, row: DownloadRow) -> Statement:
        return stmt(
            "INSERT INTO downloads (id, os, timestamp, user_agent, ip_hash, version)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            row["id"],
            row["os"],
            row["timestamp"],
            row["user_agent"],
            row["ip_hash"],
            row["version"],
        )

    def feedback_statement(self, row: FeedbackRow) -> Statement:
        return stmt(
            "INSERT INTO feedbacks (id, owner_id, message, email, timestamp)"
            " VALUES (?, ?, ?, ?, ?)",
            row["id"],
            row["owner_id"],
            row["message"],
            row["email"],
            row["timestamp"],
        )

    def diagnostic_statement(self, row: DiagnosticRow) -> Statement:
        return stmt(
            "INSERT INTO diagnostics (id, owner_id, file_path, file_size, stored, content_type,"
            " timestamp) VALUES (?, ?, ?, ?, ?, ?, ?)",
            row["id"],
            row["owner_id"],
            row["file_path"],
            row["file_size"],
            row["stored"],
            row["content_type"],
            row["timestamp"],
        )

    async def diagnostics_before(self, cutoff: float, limit: int) -> list[DiagnosticRow]:
        rows = await self.db.all(
            "SELECT * FROM diagnostics WHERE timestamp < ? ORDER BY timestamp LIMIT ?",
            cutoff,
            limit,
        )
        return cast(list[DiagnosticRow], rows)

    def delete_diagnostics_statement(self, ids: list[str]) -> Statement:
        return stmt(
            "DELETE FROM diagnostics WHERE id IN (SELECT value FROM json_each(?))", json.dumps(ids)
        )


class StatsRepo:
    """The seed's common queries, for the admin."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def downloads_by_os(self, now: float) -> list[dict[str, Param]]:
        return await self.db.all(
            "SELECT os, SUM(timestamp >= ?) AS last_24h, SUM(timestamp >= ?) AS last_7d,"
            " COUNT(*) AS last_30d FROM downloads WHERE timestamp >= ? GROUP BY os ORDER BY os",
            now - 86400,
            now - 7 * 86400,
            now - 30 * 86400,
        )

    async def per_day(self, table: str, since: float) -> list[dict[str, Param]]:
        assert table in ("downloads", "feedbacks", "diagnostics")
        return await self.db.all(
            f"SELECT date(timestamp, 'unixepoch') AS day, COUNT(*) AS count FROM {table}"  # noqa: S608
            " WHERE timestamp >= ? GROUP BY day ORDER BY day DESC",
            since,
        )

    async def recent_feedback_with_email(self, limit: int) -> list[dict[str, Param]]:
        return await self.db.all(
            "SELECT id, email, message, timestamp FROM feedbacks WHERE email IS NOT NULL"
            " ORDER BY timestamp DESC LIMIT ?",
            limit,
        )

    async def diagnostic_sizes(self) -> dict[str, Param]:
        row = await self.db.first(
            "SELECT COUNT(*) AS count, COALESCE(SUM(file_size), 0) AS total_bytes,"
            " AVG(file_size) AS average_bytes FROM diagnostics"
        )
        assert row is not None
        return row

    async def downloads_by_version(self) -> list[dict[str, Param]]:
        return await self.db.all(
            "SELECT version, COUNT(*) AS downloads FROM downloads WHERE version IS NOT NULL"
            " GROUP BY version"
        )
