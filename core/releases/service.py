"""The release flows: versions and their publication, update offers, downloads,
feedback and diagnostics. Routes parse and call these; every write is one batch."""

from __future__ import annotations

import json
from dataclasses import dataclass

from core.audit import AuditLog
from core.clock import iso
from core.data.actor import Actor
from core.data.owned import decode_cursor, encode_cursor
from core.errors import Conflict, Invalid, NotFound
from core.identity import pii_of
from core.ids import new_id
from core.ports import IntegrityError, Ports, Statement
from core.releases import logfiles, rollout, versions
from core.releases.models import (
    DiagnosticOut,
    DiagnosticPathIn,
    DownloadOut,
    FeedbackIn,
    FeedbackOut,
    VersionIn,
    VersionOut,
    VersionPage,
)
from core.releases.notes import render_notes
from core.releases.repo import (
    ActivityRepo,
    DiagnosticRow,
    DownloadRow,
    FeedbackRow,
    VersionRepo,
    VersionRow,
    email_aad,
)
from core.releases.updaters import build_for
from core.settings import Settings

# A download's OS to the OS part of a platform key.
OS_PLATFORM = {"windows": "windows", "macos": "darwin", "linux": "linux"}
NO_VERSION = "No version has been published yet."


def version_out(row: VersionRow, *, current: str | None = None) -> VersionOut:
    out = VersionOut(
        version=row["version"],
        release_date=iso(row["release_date"]),
        download_url=row["download_url"],
        changelog=row["changelog"],
        notes_html=render_notes(row["changelog"]),
        is_latest=bool(row["is_latest"]),
        prerelease=bool(row["prerelease"]),
        rollout=row["rollout"],
        platforms=json.loads(row["platforms"]),
    )
    if current is not None:
        out.update_available = versions.parse(row["version"]) > versions.parse(current)
    return out


def download_url(row: VersionRow, os_name: str) -> str:
    build = build_for(row, OS_PLATFORM[os_name])
    return build["url"] if build else row["download_url"]


@dataclass(slots=True)
class Who:
    """Who sent a public request: what of it may be stored."""

    owner_id: str | None
    ip_hash: str | None = None
    user_agent: str | None = None


class Releases:
    def __init__(self, ports: Ports, settings: Settings) -> None:
        self.ports = ports
        self.settings = settings
        self.pii = pii_of(ports.cipher, settings)
        self.versions = VersionRepo(ports.db)
        self.activity = ActivityRepo(ports.db)
        self.audit = AuditLog(ports.db, ports.clock)

    async def _run(self, statement: Statement) -> None:
        await self.ports.db.run(statement.sql, *statement.params)

    # ---------------------------------------------------------------- versions

    async def latest(self, channel: str = "stable") -> VersionRow:
        if channel == "stable":
            row = await self.versions.latest()
        else:
            found = rollout.candidates(await self.versions.all(), channel)
            row = found[0] if found else None
        if row is None:
            raise NotFound(NO_VERSION)
        return row

    async def history(self, *, limit: int, cursor: str | None) -> VersionPage:
        """Every version, newest (highest precedence) first, a page at a time."""
        rows = sorted(
            await self.versions.all(), key=lambda r: versions.parse(r["version"]), reverse=True
        )
        after = decode_cursor(cursor)
        if after is not None:
            ids = [r["id"] for r in rows]
            rows = rows[ids.index(after) + 1 :] if after in ids else []
        page = rows[:limit]
        next_cursor = encode_cursor(page[-1]["id"]) if len(rows) > limit else None
        return VersionPage(items=[version_out(r) for r in page], next_cursor=next_cursor)

    async def publish(self, admin: Actor, body: VersionIn, request_id: str) -> VersionRow:
        """Store a new version; as the latest, the old latest stops being it in the same
        batch. A pre-release is never the latest; the first release always is."""
        parsed = versions.parse(body.version)
        prerelease = parsed.prerelease is not None
        if prerelease and body.latest is True:
            raise Invalid(
                "A pre-release cannot be the latest version; it is offered on beta.",
                details=[{"field": "latest", "message": "not for a pre-release"}],
            )
        existing = await self.versions.all()
        if any(versions.parse(r["version"]) == parsed for r in existing):
            raise Conflict("A version of the same precedence is already published.")
        now = self.ports.clock.now()
        is_latest = not prerelease and (
            body.latest is not False or not any(r["is_latest"] for r in existing)
        )
        row = VersionRow(
            id=new_id(now),
            version=body.version,
            release_date=body.release_date.timestamp() if body.release_date else now,
            download_url=body.download_url,
            changelog=body.changelog,
            is_latest=int(is_latest),
            prerelease=int(prerelease),
            rollout=body.rollout,
            platforms=json.dumps(
                {k: v.model_dump(exclude_none=True) for k, v in sorted(body.platforms.items())}
            ),
            created_at=iso(now),
        )
        statements = [
            *self.versions.insert_statements(row),
            self.audit.statement(
                "release.published",
                user_id=admin.user_id,
                resource=f"app_version:{row['version']}",
                details={"latest": is_latest, "rollout": row["rollout"]},
                request_id=request_id,
            ),
        ]
        try:
            await self.ports.db.batch(statements)
        except IntegrityError:
            raise Conflict("This version is already published.") from None
        stored = await self.versions.by_version(row["version"])
        assert stored is not None
        return stored

    async def mark_latest(self, admin: Actor, version: str, request_id: str) -> VersionRow:
        versions.parse(version)
        row = await self.versions.by_version(version)
        if row is None:
            raise NotFound("No version has this number.")
        if row["prerelease"]:
            raise Invalid(
                "A pre-release cannot be the latest version; it is offered on beta.",
                details=[{"field": "version", "message": "a pre-release"}],
            )
        await self.ports.db.batch(
            [
                *self.versions.mark_latest_statements(version),
                self.audit.statement(
                    "release.marked_latest",
                    user_id=admin.user_id,
                    resource=f"app_version:{version}",
                    request_id=request_id,
                ),
            ]
        )
        stored = await self.versions.by_version(version)
        assert stored is not None
        return stored

    async def set_rollout(
        self, admin: Actor, version: str, percent: int, request_id: str
    ) -> VersionRow:
        versions.parse(version)
        results = await self.ports.db.batch(
            [
                self.versions.rollout_statement(version, percent),
                self.audit.statement(
                    "release.rollout_changed",
                    user_id=admin.user_id,
                    resource=f"app_version:{version}",
                    details={"rollout": percent},
                    request_id=request_id,
                ),
            ]
        )
        if not results[0].changes:
            raise NotFound("No version has this number.")
        stored = await self.versions.by_version(version)
        assert stored is not None
        return stored

    async def update_for(self, current: str, channel: str, client_id: str) -> VersionRow | None:
        """The version to offer a client on ``current``, or None when it is up to date."""
        installed = versions.parse(current, field="current")
        offer = rollout.offered(await self.versions.all(), channel, client_id)
        if offer is None or versions.parse(offer["version"]) <= installed:
            return None
        return offer

    async def offered_list(self, channel: str, client_id: str, limit: int) -> list[VersionRow]:
        return rollout.offered_list(await self.versions.all(), channel, client_id, limit)

    # ------------------------------------------------------ downloads, feedback

    async def download_for(self, os_name: str) -> tuple[DownloadOut, DownloadRow]:
        """The latest version's file for ``os_name``, and the download row to record
        (``record_download``, after the response: the answer does not wait on a write)."""
        row = await self.latest()
        now = self.ports.clock.now()
        download = DownloadRow(
            id=new_id(now),
            os=os_name,
            timestamp=now,
            user_agent=None,
            ip_hash=None,
            version=row["version"],
        )
        out = DownloadOut(os=os_name, url=download_url(row, os_name), version=row["version"])  # type: ignore[arg-type]
        return out, download

    async def record_download(self, download: DownloadRow, who: Who) -> None:
        download["user_agent"] = (who.user_agent or "")[:512] or None
        download["ip_hash"] = who.ip_hash
        await self._run(self.activity.download_statement(download))

    async def feedback(self, body: FeedbackIn, who: Who) -> FeedbackOut:
        now = self.ports.clock.now()
        row_id = new_id(now)
        row = FeedbackRow(
            id=row_id,
            owner_id=who.owner_id,
            message=body.message,
            # Personal data is stored sealed, as users' emails are (issue 15).
            email=None
            if body.email is None
            else await self.pii.seal(body.email, email_aad(row_id)),
            timestamp=now,
        )
        await self._run(self.activity.feedback_statement(row))
        return FeedbackOut(id=row["id"])

    # ------------------------------------------------------------- diagnostics

    async def store_diagnostic(self, data: bytes, who: Who, *, blob_prefix: str) -> DiagnosticOut:
        """Keep an uploaded log under a generated key (under the owner's blob prefix when
        signed in), then its row; the file is removed again if the row cannot be written."""
        if not data:
            raise Invalid("The log file is empty.", details=[{"field": "file", "message": "empty"}])
        media = await self.ports.offload(logfiles.log_type, data)
        now = self.ports.clock.now()
        diagnostic_id = new_id(now)
        key = f"{blob_prefix}diagnostics/{diagnostic_id}.{logfiles.EXTENSIONS[media]}"
        await self.ports.blobs.put(key, data, content_type=media, metadata={"kind": "diagnostic"})
        row = DiagnosticRow(
            id=diagnostic_id,
            owner_id=who.owner_id,
            file_path=key,
            file_size=len(data),
            stored=1,
            content_type=media,
            timestamp=now,
        )
        try:
            await self._run(self.activity.diagnostic_statement(row))
        except BaseException:
            await self.ports.blobs.delete(key)
            raise
        return DiagnosticOut(id=diagnostic_id, file_path=key, file_size=len(data))

    async def record_diagnostic_path(self, body: DiagnosticPathIn, who: Who) -> DiagnosticOut:
        """The seed's variant: a file the app uploaded itself, under the configured prefix."""
        prefix = self.settings.diagnostics_path_prefix
        if not body.file_path.startswith(prefix) or len(body.file_path) <= len(prefix):
            raise Invalid(
                "The file must be under the configured diagnostics location.",
                details=[{"field": "file_path", "message": f"not under {prefix}"}],
            )
        now = self.ports.clock.now()
        row = DiagnosticRow(
            id=new_id(now),
            owner_id=who.owner_id,
            file_path=body.file_path,
            file_size=body.file_size,
            stored=0,
            content_type=None,
            timestamp=now,
        )
        await self._run(self.activity.diagnostic_statement(row))
        return DiagnosticOut(id=row["id"], file_path=row["file_path"], file_size=row["file_size"])
