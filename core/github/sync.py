"""Sync runs: lease due jobs, ask GitHub about each within a request budget,
and record every outcome. Every claimed job ends recorded or released, and a
job whose runner died is due again when its lease ends: no job is lost."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from core.github import repo
from core.github.client import Fetched, GitHubApi
from core.github.gate import DEFAULT_PAUSE, Gate, load_gate, save_gate
from core.github.repo import ClaimedJob
from core.identity import inactive_among
from core.ids import new_id
from core.ports import Ports, Statement
from core.settings import Settings

log = logging.getLogger("creator_edge.github")

# Requests a cron run may send: well under the 50 subrequests of an invocation
# on the free plan, which the other five-minute jobs share.
REQUESTS_PER_RUN = 40
# Workers keep at most six outgoing connections open at once.
CONCURRENCY = 6
# How long a claimed job stays leased: longer than a run may take.
LEASE_SECONDS = 300.0
BACKOFF_BASE = 300.0  # one cron period, doubled on each failure in a row
BACKOFF_MAX = 86_400.0
GONE_RECHECK = 7 * 86_400.0
CLOSED_ACCOUNT_WAIT = 86_400.0  # a deactivated account's job is looked at again a day later
# Failures of GitHub itself (5xx, timeouts) in a row before a run stops asking.
OUTAGE_AFTER = 3


@dataclass(slots=True)
class SyncReport:
    claimed: int = 0
    requests: int = 0
    updated: int = 0
    unchanged: int = 0
    gone: int = 0
    failed: int = 0
    limited: int = 0
    released: int = 0
    lost_leases: int = 0
    paused_until: float | None = None


def github_api(ports: Ports, settings: Settings) -> GitHubApi:
    token = settings.github_token.get_secret_value() if settings.github_token else None
    return GitHubApi(ports.http, settings.github_api_url, token)


def backoff(error_count: int) -> float:
    """Seconds before the next try after ``error_count`` failures in a row."""
    return min(BACKOFF_BASE * 2.0 ** max(0, min(error_count - 1, 20)), BACKOFF_MAX)


class SyncRun:
    """One run over claimed jobs: at most ``budget`` requests, ``concurrency``
    at a time, stopping early when GitHub limits or fails."""

    def __init__(
        self, ports: Ports, api: GitHubApi, gate: Gate, holder: str, budget: int, now: float
    ) -> None:
        self.ports, self.api, self.gate = ports, api, gate
        self.holder, self.budget, self.now = holder, budget, now
        self.report = SyncReport()
        self._in_a_row_unavailable = 0
        self._outage = False
        self._writes: list[Statement] = []

    def _stopped(self) -> bool:
        return self._outage or self.gate.paused(self.now)

    def _take_request(self) -> bool:
        if self.report.requests >= self.budget or self._stopped():
            return False
        self.report.requests += 1
        return True

    async def run(self, jobs: Sequence[ClaimedJob], concurrency: int = CONCURRENCY) -> SyncReport:
        self.report.claimed += len(jobs)
        queue: asyncio.Queue[ClaimedJob] = asyncio.Queue()
        for job in jobs:
            queue.put_nowait(job)

        async def worker() -> None:
            while not queue.empty():
                await self.sync_job(queue.get_nowait())

        try:
            await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(jobs))))))
        finally:
            # Anything left (the run was cancelled) goes back, due at once.
            while not queue.empty():
                self._release(queue.get_nowait(), self.now)
            await self._flush()
        self.report.paused_until = self.gate.paused_until if self.gate.paused(self.now) else None
        return self.report

    async def sync_job(self, job: ClaimedJob) -> None:
        if not self._take_request():
            if self.gate.paused(self.now):
                due = self.gate.paused_until or self.now
            elif self._outage:
                due = self.now + BACKOFF_BASE
            else:
                due = self.now  # the budget ran out: the next run takes it
            self._release(job, due)
            return
        try:
            fetched = await self.api.fetch_repo(
                job["repo_owner"],
                job["repo_name"],
                job["etag"],
                self.now,
                may_follow=self._take_request,
            )
        except Exception as exc:  # never lose the job to a bug: record the failure
            log.exception("GitHub sync of job %s failed", job["id"])
            fetched = Fetched("failed", 1, error=f"{type(exc).__name__}"[:200])
        self.gate.observe(fetched.rate)
        self._note_health(fetched)
        self._record(job, fetched)

    def _note_health(self, fetched: Fetched) -> None:
        if fetched.kind == "limited":
            self.gate.pause(fetched.retry_at or self.now + DEFAULT_PAUSE)
        if fetched.unavailable:
            self._in_a_row_unavailable += 1
            if self._in_a_row_unavailable >= OUTAGE_AFTER:
                self._outage = True
        else:
            self._in_a_row_unavailable = 0

    def _record(self, job: ClaimedJob, fetched: Fetched) -> None:
        now, holder, report = self.now, self.holder, self.report
        kind = fetched.kind
        if kind in ("updated", "unchanged"):
            metadata = fetched.metadata if kind == "updated" else None
            statement = repo.synced_statement(job["id"], holder, now, fetched.etag, metadata)
            if kind == "updated":
                report.updated += 1
            else:
                report.unchanged += 1
        elif kind == "gone":
            error = fetched.error or "gone"
            statement = repo.gone_statement(job["id"], holder, now, error, now + GONE_RECHECK)
            report.gone += 1
        else:
            count = int(job["error_count"]) + 1
            retry_at = max(now + backoff(count), fetched.retry_at or 0.0)
            error = fetched.error or "failed"
            statement = repo.failed_statement(job["id"], holder, now, error, count, retry_at)
            if kind == "limited":
                report.limited += 1
            else:
                report.failed += 1
        self._writes.append(statement)

    def _release(self, job: ClaimedJob, due_at: float) -> None:
        self.report.released += 1
        self._writes.append(repo.release_statement(job["id"], self.holder, self.now, due_at))

    async def _flush(self) -> None:
        """Write the run's outcomes in one batch (one round trip to D1). Should
        it fail, the jobs stay leased and are due again when the lease ends."""
        writes, self._writes = self._writes, []
        if writes:
            results = await self.ports.db.batch(writes)
            self.report.lost_leases += sum(1 for r in results if r.changes == 0)


async def sync_due_jobs(
    ports: Ports,
    settings: Settings,
    *,
    budget: int = REQUESTS_PER_RUN,
    concurrency: int = CONCURRENCY,
    lease_seconds: float = LEASE_SECONDS,
    api: GitHubApi | None = None,
) -> SyncReport:
    """Sync the jobs that are due, within ``budget`` requests and what is left
    of GitHub's rate limit; a spent limit is remembered for the next runs."""
    now = ports.clock.now()
    gate = await load_gate(ports.kv)
    allowance = gate.allowance(budget, now)
    if allowance <= 0:
        return SyncReport(paused_until=gate.paused_until)
    holder = new_id(now)
    jobs = await repo.claim_due(ports.db, holder, now, lease_seconds, allowance)
    # A deactivated account's links are not synced: their jobs wait a day, untried.
    closed = await inactive_among(ports.db, (job["owner_id"] for job in jobs))
    waiting = [job for job in jobs if job["owner_id"] in closed]
    if waiting:
        await ports.db.batch(
            [
                repo.release_statement(job["id"], holder, now, now + CLOSED_ACCOUNT_WAIT)
                for job in waiting
            ]
        )
        jobs = [job for job in jobs if job["owner_id"] not in closed]
    run = SyncRun(ports, api or github_api(ports, settings), gate, holder, allowance, now)
    try:
        report = await run.run(jobs, concurrency)
        report.released += len(waiting)
        return report
    finally:
        await save_gate(ports.kv, gate, now)
