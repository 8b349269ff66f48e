"""The link side: a GitHub link's job follows its URL in the link's batch, and
``github_details`` gives each link's ``github`` object, to its owner only."""

from __future__ import annotations

import pytest

from core.errors import Invalid
from core.github import github_details, job_statements_for_link
from core.ports import IntegrityError

URL_B = "https://github.com/a/b"


async def test_a_github_link_gets_a_pending_job_due_now(links, clock) -> None:
    alice = await links.user("alice")
    link_id = await links.add(alice, "https://github.com/encode/httpx")
    job = await links.job(link_id)
    assert job["owner_id"] == alice.owner_id
    assert (job["repo_owner"], job["repo_name"]) == ("encode", "httpx")
    assert job["status"] == "pending"
    assert job["sync_interval_hours"] == 24
    assert job["next_sync_at"] == clock.now()
    assert job["error_count"] == 0


async def test_other_links_get_no_job(links) -> None:
    alice = await links.user("alice")
    await links.add(alice, "https://example.com/encode/httpx")
    await links.add(alice, "https://github.com/encode")
    assert await links.jobs() == []


async def test_same_repo_keeps_state_and_another_repo_starts_afresh(links, clock) -> None:
    alice = await links.user("alice")
    link_id = await links.add(alice, "https://github.com/encode/httpx")
    await links.db.run(
        "UPDATE github_sync_jobs SET status = 'success', stars = 5, etag = 'W/\"e\"',"
        " last_sync_at = ?, next_sync_at = ?",
        clock.now(),
        clock.now() + 86400,
    )
    clock.advance(60)
    await links.change(alice, link_id, "https://github.com/Encode/HTTPX/")
    same = await links.job(link_id)
    assert (same["status"], same["stars"], same["etag"]) == ("success", 5, 'W/"e"')
    assert same["repo_owner"] == "Encode"

    await links.change(alice, link_id, "https://github.com/encode/starlette")
    moved = await links.job(link_id)
    assert moved["id"] == same["id"]
    assert moved["repo_name"] == "starlette"
    assert (moved["status"], moved["stars"], moved["etag"], moved["last_sync_at"]) == (
        "pending",
        None,
        None,
        None,
    )
    assert moved["next_sync_at"] == clock.now()


async def test_a_url_that_stops_being_github_drops_the_job(links) -> None:
    alice = await links.user("alice")
    link_id = await links.add(alice, "https://github.com/encode/httpx")
    await links.change(alice, link_id, "https://example.com/")
    assert await links.jobs() == []


async def test_deleting_the_link_deletes_its_job(links) -> None:
    alice = await links.user("alice")
    link_id = await links.add(alice, "https://github.com/encode/httpx")
    await links.db.run("DELETE FROM links WHERE id = ?", link_id)
    assert await links.jobs() == []


async def test_interval_is_one_to_168_hours(links, clock) -> None:
    alice = await links.user("alice")
    link_id = await links.add(alice, "https://github.com/encode/httpx", interval_hours=168)
    assert (await links.job(link_id))["sync_interval_hours"] == 168
    for bad in (0, 169):
        with pytest.raises(Invalid):
            job_statements_for_link(alice, link_id, URL_B, clock.now(), interval_hours=bad)
    # The schema holds the rule too.
    with pytest.raises(IntegrityError):
        await links.db.run("UPDATE github_sync_jobs SET sync_interval_hours = 169")


async def test_another_owner_cannot_touch_the_job(links, clock) -> None:
    alice, bob = await links.user("alice"), await links.user("bob")
    link_id = await links.add(alice, "https://github.com/encode/httpx")
    before = await links.job(link_id)
    await links.db.batch(
        job_statements_for_link(bob, link_id, "https://github.com/evil/repo", clock.now())
    )
    await links.db.batch(job_statements_for_link(bob, link_id, "https://example.com", clock.now()))
    assert await links.job(link_id) == before


async def test_github_details_per_link_for_the_owner_only(links, clock) -> None:
    alice, bob = await links.user("alice"), await links.user("bob")
    github_link = await links.add(alice, "https://github.com/encode/httpx")
    plain_link = await links.add(alice, "https://example.com")
    await links.db.run(
        "UPDATE github_sync_jobs SET status = 'success', stars = 12, forks = 3,"
        " language = 'Python', description = 'HTTP', topics = '[\"http\"]',"
        " pushed_at = '2026-10-01T12:00:00Z', last_sync_at = ?",
        clock.now(),
    )
    details = await github_details(links.db, alice.owner_id, [github_link, plain_link, "nope"])
    assert details == {
        github_link: {
            "repo": "encode/httpx",
            "stars": 12,
            "forks": 3,
            "language": "Python",
            "description": "HTTP",
            "topics": ["http"],
            "pushed_at": "2026-10-01T12:00:00Z",
            "synced_at": "2026-09-21T14:13:30Z",
            "status": "success",
            "gone": False,
        }
    }
    assert await github_details(links.db, bob.owner_id, [github_link]) == {}
    assert await github_details(links.db, alice.owner_id, []) == {}


async def test_github_details_for_many_links_in_one_statement(links) -> None:
    alice = await links.user("alice")
    ids = [await links.add(alice, f"https://github.com/o/r{i}") for i in range(150)]
    details = await github_details(links.db, alice.owner_id, ids)
    assert set(details) == set(ids)
