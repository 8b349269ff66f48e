"""GitHub project links, as other features see them: which links get a sync
job, and the ``github`` object a link's JSON carries."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from core.clock import iso
from core.data.owned import Owned
from core.errors import Invalid, NotFound
from core.github import repo
from core.github.gate import load_gate, save_gate
from core.github.models import SyncStatusOut
from core.github.repo import SyncJobRow
from core.github.sync import LEASE_SECONDS, SyncRun, github_api
from core.github.urls import parse_repo_url
from core.ids import new_id
from core.ports import Database, Ports, Statement
from core.settings import Settings

__all__ = ["github_details", "job_statements_for_link", "parse_repo_url"]


def job_statements_for_link(
    owned: Owned, link_id: str, url: str, now: float, *, interval_hours: int | None = None
) -> list[Statement]:
    """The statements that keep a link's sync job in step with its URL, for the
    same batch as the link's write (after it): a GitHub repository URL makes or
    updates the job (a new repository starts afresh), any other URL drops it."""
    found = parse_repo_url(url)
    if found is None:
        return [repo.delete_job_statement(owned.owner_id, link_id)]
    if interval_hours is not None and not (
        repo.MIN_INTERVAL_HOURS <= interval_hours <= repo.MAX_INTERVAL_HOURS
    ):
        raise Invalid(
            "The sync interval is 1 to 168 hours.",
            details={"field": "sync_interval_hours"},
        )
    owner, name = found
    return [repo.upsert_job_statement(owned.owner_id, link_id, owner, name, now, interval_hours)]


async def github_details(
    db: Database, owner_id: str, link_ids: list[str]
) -> dict[str, dict[str, Any]]:
    """The ``github`` object of each of these links that is a GitHub link:
    stars, forks, language, description, topics, pushed_at, synced_at, status, gone."""
    rows = await repo.jobs_for_links(db, owner_id, link_ids)
    out: dict[str, dict[str, Any]] = {row["link_id"]: repo.github_object(row) for row in rows}
    return out


# ------------------------------------------------------------ the owner's view

# A job synced this recently is answered as it is: "sync now" spends no request.
FRESH_SECONDS = 60.0


def sync_status(row: SyncJobRow, *, retry_after: int | None = None) -> SyncStatusOut:
    """A job as ``GET /api/links/{id}/sync`` shows it."""
    return SyncStatusOut.model_validate(
        {
            "link_id": row["link_id"],
            "status": row["status"],
            "sync_interval_hours": row["sync_interval_hours"],
            "last_sync_at": iso(row["last_sync_at"]) if row["last_sync_at"] is not None else None,
            "next_sync_at": iso(row["next_sync_at"]),
            "error_count": row["error_count"],
            "last_error": row["last_error"],
            "github": repo.github_object(row),
            "retry_after": retry_after,
        }
    )


async def link_job(owned: Owned, link_id: str) -> SyncJobRow:
    row = await repo.find_job(owned, link_id)
    if row is None:
        raise NotFound("No GitHub link has this id.")
    return row


@dataclass(frozen=True, slots=True)
class SyncNow:
    job: SyncJobRow
    ran: bool  # False: queued (GitHub's limit is spent, or a run holds the job)
    retry_after: int | None = None


async def sync_now(ports: Ports, settings: Settings, owned: Owned, link_id: str) -> SyncNow:
    """Sync the link's job at once, unless it is fresh, already running, or
    GitHub's limit is spent (then it is due at the reset)."""
    job = await link_job(owned, link_id)
    now = ports.clock.now()
    fresh = job["last_sync_at"] is not None and now - job["last_sync_at"] < FRESH_SECONDS
    if fresh and job["status"] == "success":
        return SyncNow(job, ran=True)
    gate = await load_gate(ports.kv)
    if gate.paused_until is not None and gate.paused(now):
        await owned.update(
            repo.SYNC_JOBS,
            job["id"],
            {"next_sync_at": min(job["next_sync_at"], gate.paused_until)},
            where="status <> 'in_progress'",
        )
        wait = max(1, math.ceil(gate.paused_until - now))
        return SyncNow(await link_job(owned, link_id), ran=False, retry_after=wait)
    holder = new_id(now)
    claimed = await repo.claim_link_job(
        ports.db, owned.owner_id, link_id, holder, now, LEASE_SECONDS
    )
    if claimed is None:  # a cron run holds it: it is being synced
        return SyncNow(job, ran=False, retry_after=1)
    # One request, or two for a renamed repository, within what the limit has left.
    run = SyncRun(ports, github_api(ports, settings), gate, holder, gate.allowance(2, now), now)
    try:
        await run.run([claimed], concurrency=1)
    finally:
        await save_gate(ports.kv, gate, now)
    return SyncNow(await link_job(owned, link_id), ran=True)


async def set_interval(owned: Owned, link_id: str, hours: int, now: float) -> SyncJobRow:
    """Change how often the link syncs; a job now overdue by the new interval
    becomes due."""
    job = await link_job(owned, link_id)
    values: dict[str, Any] = {"sync_interval_hours": hours, "updated_at": iso(now)}
    resting = job["status"] != "in_progress" and not job["error_count"]
    if resting and job["last_sync_at"] is not None:
        values["next_sync_at"] = min(job["next_sync_at"], job["last_sync_at"] + hours * 3600)
    await owned.update(repo.SYNC_JOBS, job["id"], values)
    return await link_job(owned, link_id)
