"""The SQL of GitHub sync jobs: the link-side upsert, the owner's reads, and
the claim and record statements of the sync runs."""

from __future__ import annotations

import json
from typing import Any, TypedDict, cast

from core.clock import iso
from core.data.owned import Owned, OwnedTable
from core.ids import new_id
from core.ports import Database, Statement, stmt

TABLE = "github_sync_jobs"
# Jobs are erased before the links they hang from (the cascade would too).
SYNC_JOBS = OwnedTable(TABLE, "GitHub sync job", erase_order=40)


class SyncJobRow(TypedDict):
    """A row of ``github_sync_jobs`` (d1_migrations/0004_github.sql)."""

    id: str
    owner_id: str
    link_id: str
    repo_owner: str
    repo_name: str
    status: str
    sync_interval_hours: int
    last_sync_at: float | None
    next_sync_at: float
    error_count: int
    last_error: str | None
    etag: str | None
    lease_until: float | None
    lease_holder: str | None
    gone_at: float | None
    stars: int | None
    forks: int | None
    language: str | None
    description: str | None
    topics: str
    pushed_at: str | None
    created_at: str
    updated_at: str


class ClaimedJob(TypedDict):
    """What a sync run needs of a job it leased (``_CLAIMED``)."""

    id: str
    owner_id: str
    link_id: str
    repo_owner: str
    repo_name: str
    etag: str | None
    error_count: int


DEFAULT_INTERVAL_HOURS = 24
MIN_INTERVAL_HOURS, MAX_INTERVAL_HOURS = 1, 168

# What a job forgets when its link points at another repository.
_RESET: dict[str, str] = {
    "status": "'pending'",
    "next_sync_at": "excluded.next_sync_at",
    "last_sync_at": "NULL",
    "error_count": "0",
    "last_error": "NULL",
    "etag": "NULL",
    "lease_until": "NULL",
    "lease_holder": "NULL",
    "gone_at": "NULL",
    "stars": "NULL",
    "forks": "NULL",
    "language": "NULL",
    "description": "NULL",
    "topics": "'[]'",
    "pushed_at": "NULL",
}
_SAME_REPO = (
    f"lower({TABLE}.repo_owner) = lower(excluded.repo_owner)"
    f" AND lower({TABLE}.repo_name) = lower(excluded.repo_name)"
)
_UPSERT = (
    f"INSERT INTO {TABLE} (id, owner_id, link_id, repo_owner, repo_name, status,"  # noqa: S608
    " sync_interval_hours, next_sync_at, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, 'pending', coalesce(?, ?), ?, ?, ?)"
    " ON CONFLICT (link_id) DO UPDATE SET"
    " repo_owner = excluded.repo_owner, repo_name = excluded.repo_name,"
    " sync_interval_hours = coalesce(?, sync_interval_hours),"
    " updated_at = excluded.updated_at, "
    + ", ".join(
        f"{column} = CASE WHEN {_SAME_REPO} THEN {TABLE}.{column} ELSE {value} END"
        for column, value in _RESET.items()
    )
    + f" WHERE {TABLE}.owner_id = excluded.owner_id"
)


def upsert_job_statement(
    owner_id: str,
    link_id: str,
    repo_owner: str,
    repo_name: str,
    now: float,
    interval_hours: int | None,
) -> Statement:
    """Make the link's job, or point it at another repository (forgetting the
    old one's metadata); the same repository keeps its state."""
    stamp = iso(now)
    return stmt(
        _UPSERT,
        new_id(now),
        owner_id,
        link_id,
        repo_owner,
        repo_name,
        interval_hours,
        DEFAULT_INTERVAL_HOURS,
        now,
        stamp,
        stamp,
        interval_hours,
    )


def delete_job_statement(owner_id: str, link_id: str) -> Statement:
    return stmt(f"DELETE FROM {TABLE} WHERE link_id = ? AND owner_id = ?", link_id, owner_id)  # noqa: S608


async def jobs_for_links(db: Database, owner_id: str, link_ids: list[str]) -> list[SyncJobRow]:
    """The owner's jobs of these links (one JSON parameter, however many)."""
    if not link_ids:
        return []
    rows = await db.all(
        f"SELECT * FROM {TABLE} WHERE owner_id = ?"  # noqa: S608
        " AND link_id IN (SELECT value FROM json_each(?))",
        owner_id,
        json.dumps(link_ids),
    )
    return cast(list[SyncJobRow], rows)


def topics_of(row: SyncJobRow) -> list[str]:
    try:
        topics = json.loads(row["topics"] or "[]")
    except ValueError:
        return []
    return [t for t in topics if isinstance(t, str)] if isinstance(topics, list) else []


def github_object(row: SyncJobRow) -> dict[str, Any]:
    """The ``github`` object of a link's JSON, from its job row."""
    return {
        "repo": f"{row['repo_owner']}/{row['repo_name']}",
        "stars": row["stars"],
        "forks": row["forks"],
        "language": row["language"],
        "description": row["description"],
        "topics": topics_of(row),
        "pushed_at": row["pushed_at"],
        "synced_at": iso(row["last_sync_at"]) if row["last_sync_at"] is not None else None,
        "status": row["status"],
        "gone": row["gone_at"] is not None,
    }


# ------------------------------------------------------------------ sync runs

_CLAIMED = "id, owner_id, link_id, repo_owner, repo_name, etag, error_count"
_CLAIM_SET = (
    "status = 'in_progress', lease_holder = ?, lease_until = ?, next_sync_at = ?, updated_at = ?"
)
# A job back at rest shows what its last outcome was.
_RESTING_STATUS = (
    "CASE WHEN gone_at IS NOT NULL THEN 'gone' WHEN error_count > 0 THEN 'failed'"
    " WHEN last_sync_at IS NULL THEN 'pending' ELSE 'success' END"
)


async def claim_due(
    db: Database, holder: str, now: float, lease_seconds: float, limit: int
) -> list[ClaimedJob]:
    """Lease up to ``limit`` due jobs, longest waiting first. A claimed job's
    ``next_sync_at`` is its lease's end: if its runner dies, it is due again."""
    until = now + lease_seconds
    result = await db.run(
        f"UPDATE {TABLE} SET {_CLAIM_SET} WHERE id IN"  # noqa: S608
        f" (SELECT id FROM {TABLE} WHERE next_sync_at <= ? ORDER BY next_sync_at LIMIT ?)"
        f" RETURNING {_CLAIMED}",
        holder,
        until,
        until,
        iso(now),
        now,
        limit,
    )
    return cast(list[ClaimedJob], result.rows)


async def claim_link_job(
    db: Database, owner_id: str, link_id: str, holder: str, now: float, lease_seconds: float
) -> ClaimedJob | None:
    """Lease the owner's job of this link unless a live lease holds it."""
    until = now + lease_seconds
    result = await db.run(
        f"UPDATE {TABLE} SET {_CLAIM_SET}"  # noqa: S608
        " WHERE link_id = ? AND owner_id = ?"
        " AND (status <> 'in_progress' OR lease_until IS NULL OR lease_until <= ?)"
        f" RETURNING {_CLAIMED}",
        holder,
        until,
        until,
        iso(now),
        link_id,
        owner_id,
        now,
    )
    return cast(ClaimedJob, result.rows[0]) if result.rows else None


def synced_statement(
    job_id: str, holder: str, now: float, etag: str | None, metadata: dict[str, Any] | None
) -> Statement:
    """A 200 (with ``metadata``) or a 304 (without): fresh as of now."""
    sets = [
        "status = 'success'",
        "last_sync_at = ?",
        "next_sync_at = ? + sync_interval_hours * 3600",
        "error_count = 0",
        "last_error = NULL",
        "etag = coalesce(?, etag)",
        "gone_at = NULL",
    ]
    values: list[Any] = [now, now, etag]
    if metadata is not None:
        for column in ("stars", "forks", "language", "description", "pushed_at"):
            sets.append(f"{column} = ?")
            values.append(metadata[column])
        sets.append("topics = ?")
        values.append(json.dumps(metadata["topics"]))
    return _finish(job_id, holder, now, sets, values)


def gone_statement(
    job_id: str, holder: str, now: float, error: str, recheck_at: float
) -> Statement:
    """A 404: the repository is gone (or private); checked again now and then."""
    sets = [
        "status = 'gone'",
        "gone_at = coalesce(gone_at, ?)",
        "etag = NULL",
        "error_count = 0",
        "last_error = ?",
        "next_sync_at = ?",
    ]
    return _finish(job_id, holder, now, sets, [now, error, recheck_at])


def failed_statement(
    job_id: str, holder: str, now: float, error: str, error_count: int, retry_at: float
) -> Statement:
    sets = ["status = 'failed'", "error_count = ?", "last_error = ?", "next_sync_at = ?"]
    return _finish(job_id, holder, now, sets, [error_count, error[:500], retry_at])


def release_statement(job_id: str, holder: str, now: float, due_at: float) -> Statement:
    """Give a claimed job back untried, due again at ``due_at``."""
    sets = [f"status = {_RESTING_STATUS}", "next_sync_at = ?"]
    return _finish(job_id, holder, now, sets, [due_at])


def _finish(job_id: str, holder: str, now: float, sets: list[str], values: list[Any]) -> Statement:
    """End this runner's lease with ``sets``. Changes nothing (0 changes) if the
    lease was lost: taken over after expiry, or the link moved to another
    repository meanwhile."""
    return stmt(
        f"UPDATE {TABLE} SET {', '.join(sets)}, lease_until = NULL, lease_holder = NULL,"  # noqa: S608
        " updated_at = ? WHERE id = ? AND lease_holder = ?",
        *values,
        iso(now),
        job_id,
        holder,
    )


async def find_job(owned: Owned, link_id: str) -> SyncJobRow | None:
    """The acting user's job of this link, if it is one of their GitHub links."""
    page = await owned.list(SYNC_JOBS, where="link_id = ?", params=(link_id,), limit=1)
    return cast(SyncJobRow, page.items[0]) if page.items else None


async def any_sync_jobs(db: Database) -> bool:
    """Whether any link is a GitHub link (a job exists): with none, nothing calls GitHub."""
    return await db.first(f"SELECT 1 AS found FROM {TABLE} LIMIT 1") is not None  # noqa: S608
