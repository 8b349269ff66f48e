"""Sync runs against the stand-in GitHub over real HTTP, through the real
httpx adapter: conditional requests, rate limits, backoff, leases, budgets."""

from __future__ import annotations

import json
import time

from core.github import github_details, repo
from core.github.gate import GATE_KEY
from core.github.sync import BACKOFF_BASE, GONE_RECHECK, sync_due_jobs
from tests.github.conftest import TOKEN

URL = "https://github.com/encode/httpx"


async def sync(runtime, settings, **options):
    return await sync_due_jobs(runtime.ports(), settings, **options)


async def test_first_sync_stores_the_metadata(runtime, settings, github, links, clock) -> None:
    github.add("encode", "httpx", stars=12, forks=3, topics=["http", "asyncio"])
    alice = await links.user("alice")
    link_id = await links.add(alice, URL)

    report = await sync(runtime, settings)

    assert (report.claimed, report.requests, report.updated) == (1, 1, 1)
    job = await links.job(link_id)
    assert job["status"] == "success"
    assert job["last_sync_at"] == clock.now()
    assert job["next_sync_at"] == clock.now() + 24 * 3600
    assert job["etag"] == github.repos["encode/httpx"].etag()
    assert job["lease_holder"] is None and job["lease_until"] is None
    details = (await github_details(links.db, alice.owner_id, [link_id]))[link_id]
    assert details["stars"] == 12 and details["forks"] == 3
    assert details["language"] == "Python" and details["description"] == "A project"
    assert details["topics"] == ["http", "asyncio"]
    assert details["pushed_at"] == "2026-10-01T12:00:00Z"
    [seen] = github.seen
    assert seen.path == "/repos/encode/httpx"
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert seen.headers["accept"] == "application/vnd.github+json"
    assert seen.headers["user-agent"] == "creator-edge"
    assert "if-none-match" not in seen.headers


async def test_the_next_sync_is_conditional_and_a_304_keeps_the_metadata(
    runtime, settings, github, links, clock
) -> None:
    github.add("encode", "httpx", stars=12)
    alice = await links.user("alice")
    link_id = await links.add(alice, URL)
    await sync(runtime, settings)

    clock.advance(24 * 3600)  # past the limit's reset too
    report = await sync(runtime, settings)

    assert (report.requests, report.unchanged, report.updated) == (1, 1, 0)
    assert github.seen[-1].headers["if-none-match"] == github.repos["encode/httpx"].etag()
    assert github.remaining == github.limit  # an authenticated 304 costs nothing
    job = await links.job(link_id)
    assert (job["status"], job["stars"], job["last_sync_at"]) == ("success", 12, clock.now())

    github.repos["encode/httpx"].stars = 13
    clock.advance(24 * 3600)
    report = await sync(runtime, settings)
    assert report.updated == 1
    assert (await links.job(link_id))["stars"] == 13


async def test_nothing_is_asked_before_it_is_due(runtime, settings, github, links, clock) -> None:
    github.add("encode", "httpx")
    await links.add(await links.user("alice"), URL)
    await sync(runtime, settings)
    clock.advance(23 * 3600)
    report = await sync(runtime, settings)
    assert (report.claimed, report.requests) == (0, 0)
    assert len(github.seen) == 1


async def test_a_404_marks_the_link_gone_until_the_repo_is_back(
    runtime, settings, github, links, clock
) -> None:
    alice = await links.user("alice")
    link_id = await links.add(alice, URL)

    report = await sync(runtime, settings)

    assert report.gone == 1
    job = await links.job(link_id)
    assert (job["status"], job["gone_at"], job["error_count"]) == ("gone", clock.now(), 0)
    assert job["next_sync_at"] == clock.now() + GONE_RECHECK
    assert (await github_details(links.db, alice.owner_id, [link_id]))[link_id]["gone"] is True

    github.add("encode", "httpx")
    clock.advance(GONE_RECHECK)
    await sync(runtime, settings)
    job = await links.job(link_id)
    assert (job["status"], job["gone_at"]) == ("success", None)


async def test_server_errors_back_off_exponentially(
    runtime, settings, github, links, clock
) -> None:
    github.add("encode", "httpx", behaviour="error", status=502)
    link_id = await links.add(await links.user("alice"), URL)
    delays = []
    for _ in range(4):
        report = await sync(runtime, settings)
        assert report.failed == 1
        job = await links.job(link_id)
        delays.append(job["next_sync_at"] - clock.now())
        assert job["status"] == "failed" and job["last_error"] == "HTTP 502"
        clock.at = job["next_sync_at"]
    assert delays == [BACKOFF_BASE, 2 * BACKOFF_BASE, 4 * BACKOFF_BASE, 8 * BACKOFF_BASE]
    assert job["error_count"] == 4

    github.repos["encode/httpx"].behaviour = "ok"
    await sync(runtime, settings)
    job = await links.job(link_id)
    assert (job["status"], job["error_count"], job["last_error"]) == ("success", 0, None)


async def test_retry_after_is_honoured(runtime, settings, github, links, clock) -> None:
    github.add("encode", "httpx", behaviour="error", status=503, retry_after=7200)
    link_id = await links.add(await links.user("alice"), URL)
    await sync(runtime, settings)
    assert (await links.job(link_id))["next_sync_at"] == clock.now() + 7200


async def test_a_hang_is_cut_by_the_timeout(runtime, settings, github, links, clock, api) -> None:
    github.add("encode", "hang", behaviour="hang")
    github.add("encode", "httpx")
    hung = await links.add(await links.user("alice"), "https://github.com/encode/hang")
    fine = await links.add(await links.user("bob"), URL)

    t0 = time.perf_counter()
    report = await sync(runtime, settings, api=api)
    assert time.perf_counter() - t0 < 3

    assert (report.failed, report.updated) == (1, 1)
    job = await links.job(hung)
    assert job["status"] == "failed" and job["last_error"].startswith("unreachable")
    assert job["next_sync_at"] == clock.now() + BACKOFF_BASE
    assert (await links.job(fine))["status"] == "success"


async def test_a_run_sends_at_most_its_budget(runtime, settings, github, links, clock) -> None:
    alice = await links.user("alice")
    for i in range(10):
        github.add("o", f"r{i}")
        await links.add(alice, f"https://github.com/o/r{i}")

    report = await sync(runtime, settings, budget=4)

    assert (report.claimed, report.requests, report.updated) == (4, 4, 4)
    assert len(github.seen) == 4
    statuses = [j["status"] for j in await links.jobs()]
    assert statuses.count("success") == 4 and statuses.count("pending") == 6
    clock.advance(300)
    assert (await sync(runtime, settings, budget=40)).updated == 6


async def test_a_renamed_repository_is_followed(runtime, settings, github, links) -> None:
    github.add("encode", "httpx", behaviour="moved")
    github.add("encode", "httpx-renamed", stars=99)
    link_id = await links.add(await links.user("alice"), URL)
    report = await sync(runtime, settings)
    assert (report.requests, report.updated) == (2, 1)
    assert (await links.job(link_id))["stars"] == 99


async def test_the_limit_spent_halfway_leaves_no_job_lost(
    runtime, settings, github, links, clock
) -> None:
    """The acceptance test: 403 with x-ratelimit-remaining: 0 from the ninth
    request on. Every job is then updated, or due only after the reset."""
    alice = await links.user("alice")
    for i in range(20):
        github.add("o", f"r{i}")
        await links.add(alice, f"https://github.com/o/r{i}")
    github.exhaust_after = 8
    reset = github.reset_at

    report = await sync(runtime, settings)

    assert report.updated == 8
    assert report.limited >= 1
    assert report.updated + report.limited + report.released == 20
    assert report.requests <= 8 + 6  # what was in flight when the first 403 came back
    jobs = await links.jobs()
    assert len(jobs) == 20
    for job in jobs:
        assert job["status"] != "in_progress" and job["lease_holder"] is None
        updated = job["status"] == "success" and job["last_sync_at"] == clock.now()
        assert updated or job["next_sync_at"] >= reset, job
    released = [j for j in jobs if j["status"] == "pending"]
    assert all(j["error_count"] == 0 for j in released)  # untried jobs are not failures

    # The spent limit is remembered: the next runs send nothing before the reset.
    stored = json.loads(await runtime.ports().kv.get(GATE_KEY))
    assert stored["paused_until"] == reset
    sent = len(github.seen)
    clock.advance(300)
    report = await sync(runtime, settings)
    assert (report.claimed, report.requests, len(github.seen)) == (0, 0, sent)

    # After the reset, the rest are synced.
    github.exhaust_after = None
    clock.at = reset + 1
    report = await sync(runtime, settings)
    assert report.updated == 12
    assert all(j["status"] == "success" for j in await links.jobs())


async def test_a_run_stops_when_the_limit_runs_out(runtime, settings, github, links, clock) -> None:
    alice = await links.user("alice")
    for i in range(10):
        github.add("o", f"r{i}")
        await links.add(alice, f"https://github.com/o/r{i}")
    github.remaining = 3  # the answers say 2, 1, then 0 are left

    first = await sync(runtime, settings, concurrency=1)

    assert (first.requests, first.updated, first.released) == (3, 3, 7)
    assert first.paused_until == github.reset_at
    clock.advance(300)
    second = await sync(runtime, settings)
    assert second.requests == 0 and len(github.seen) == 3


async def test_a_run_takes_no_more_than_the_limit_has_left(
    runtime, settings, github, links, clock
) -> None:
    alice = await links.user("alice")
    for i in range(10):
        github.add("o", f"r{i}")
        await links.add(alice, f"https://github.com/o/r{i}")
    gate = {"remaining": 2, "reset": clock.now() + 600, "paused_until": None}
    await runtime.ports().kv.put(GATE_KEY, json.dumps(gate), ttl=600)

    report = await sync(runtime, settings)

    assert (report.claimed, report.requests) == (2, 2)
    statuses = [j["status"] for j in await links.jobs()]
    assert statuses.count("pending") == 8


async def test_a_secondary_limit_pauses_every_request(
    runtime, settings, github, links, clock
) -> None:
    alice = await links.user("alice")
    github.add("o", "limited", behaviour="secondary", retry_after=120)
    limited = await links.add(alice, "https://github.com/o/limited")
    for i in range(4):
        github.add("o", f"r{i}")
        await links.add(alice, f"https://github.com/o/r{i}")
    await links.db.run(
        "UPDATE github_sync_jobs SET next_sync_at = next_sync_at - 1 WHERE link_id = ?", limited
    )

    report = await sync(runtime, settings, concurrency=1)

    assert (report.requests, report.limited, report.released) == (1, 1, 4)
    job = await links.job(limited)
    assert job["status"] == "failed" and job["error_count"] == 1
    assert job["next_sync_at"] == clock.now() + BACKOFF_BASE  # later than the retry-after
    others = [j for j in await links.jobs() if j["link_id"] != limited]
    assert all(j["next_sync_at"] == clock.now() + 120 for j in others)


async def test_a_429_without_hints_pauses_a_minute(runtime, settings, github, links, clock) -> None:
    github.add("encode", "httpx", behaviour="429")
    await links.add(await links.user("alice"), URL)
    report = await sync(runtime, settings)
    assert report.limited == 1 and report.paused_until == clock.now() + 60


async def test_an_outage_stops_the_run(runtime, settings, github, links, clock) -> None:
    alice = await links.user("alice")
    for i in range(6):
        github.add("o", f"r{i}", behaviour="error", status=500)
        await links.add(alice, f"https://github.com/o/r{i}")

    report = await sync(runtime, settings, concurrency=1)

    assert (report.requests, report.failed, report.released) == (3, 3, 3)
    released = [j for j in await links.jobs() if j["error_count"] == 0]
    assert len(released) == 3
    assert all(j["next_sync_at"] == clock.now() + BACKOFF_BASE for j in released)
    assert all(j["status"] == "pending" for j in released)


async def test_a_job_stuck_in_progress_is_taken_up_after_its_lease(
    runtime, settings, github, links, clock
) -> None:
    github.add("encode", "httpx")
    link_id = await links.add(await links.user("alice"), URL)
    # A runner claims the job and dies.
    [claimed] = await repo.claim_due(links.db, "dead-runner", clock.now(), 300, 10)
    assert (await links.job(link_id))["status"] == "in_progress"

    clock.advance(299)
    assert (await sync(runtime, settings)).claimed == 0
    clock.advance(1)
    report = await sync(runtime, settings)
    assert report.updated == 1
    assert (await links.job(link_id))["status"] == "success"

    # The dead runner's late answer no longer counts.
    late = repo.failed_statement(claimed["id"], "dead-runner", clock.now(), "late", 1, clock.now())
    [result] = await links.db.batch([late])
    assert result.changes == 0
    assert (await links.job(link_id))["status"] == "success"


async def test_a_job_moved_to_another_repo_mid_sync_keeps_the_new_repo(
    runtime, links, clock
) -> None:
    alice = await links.user("alice")
    link_id = await links.add(alice, URL)
    [claimed] = await repo.claim_due(links.db, "runner", clock.now(), 300, 10)
    await links.change(alice, link_id, "https://github.com/encode/starlette")
    metadata = {"stars": 1, "forks": 1, "language": "Go", "description": "", "topics": [],
                "pushed_at": None}  # fmt: skip
    write = repo.synced_statement(claimed["id"], "runner", clock.now(), "e", metadata)
    [result] = await links.db.batch([write])
    assert result.changes == 0
    job = await links.job(link_id)
    assert (job["repo_name"], job["status"], job["stars"]) == ("starlette", "pending", None)


async def test_a_closed_accounts_links_are_not_synced(
    runtime, settings, github, links, clock
) -> None:
    """Issue 15: a deactivated account's jobs wait a day, untried; the others sync."""
    from core.github.sync import CLOSED_ACCOUNT_WAIT

    github.add("encode", "httpx", stars=12)
    alice, bob = await links.user("alice"), await links.user("bobby")
    closed_link = await links.add(alice, URL)
    open_link = await links.add(bob, URL)
    await links.db.run("UPDATE users SET deleted_at = 'x' WHERE id = ?", alice.owner_id)

    report = await sync(runtime, settings)

    assert (report.claimed, report.requests, report.released) == (1, 1, 1)
    assert [s.path for s in github.seen] == ["/repos/encode/httpx"]
    waiting = await links.job(closed_link)
    assert waiting["lease_holder"] is None and waiting["last_sync_at"] is None
    assert waiting["next_sync_at"] == clock.now() + CLOSED_ACCOUNT_WAIT
    assert (await links.job(open_link))["status"] == "success"
