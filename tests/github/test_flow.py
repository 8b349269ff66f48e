"""The whole flow over HTTP, through the profiles API: a GitHub link gets a
job, the cron fills in its ``github`` object, a new URL starts afresh, and the
job goes with the link."""

from __future__ import annotations


async def add_link(client, url: str) -> dict:
    profile = await client.post("/api/profiles", json={"slug": "alice-gh", "display_name": "A"})
    assert profile.status_code == 201, profile.text
    link = await client.post(
        f"/api/profiles/{profile.json()['id']}/links", json={"title": "Project", "url": url}
    )
    assert link.status_code == 201, link.text
    return link.json()


async def run_cron(client) -> None:
    response = await client.get("/__scheduled", params={"cron": "*/5 * * * *"})
    outcomes = {job["job"]: job["outcome"] for job in response.json()["jobs"]}
    assert outcomes["github_sync"] == "success"


async def test_a_github_link_is_kept_fresh(client, alice, github, links) -> None:
    github.add("alice", "project", stars=5, language="Go", topics=["cli"])
    link = await add_link(alice, "https://github.com/alice/project")
    assert link["github"]["status"] == "pending"
    assert link["github"]["stars"] is None

    await run_cron(client)

    shown = (await alice.get(f"/api/links/{link['id']}")).json()["github"]
    assert shown["stars"] == 5 and shown["language"] == "Go" and shown["topics"] == ["cli"]
    assert shown["synced_at"] == "2026-09-21T14:13:30Z" and shown["status"] == "success"

    github.repos["alice/project"].stars = 6
    await links.set_due()  # a day later (the clock stays: alice's token would expire)
    await run_cron(client)
    assert (await alice.get(f"/api/links/{link['id']}")).json()["github"]["stars"] == 6
    assert github.seen[-1].headers["if-none-match"]


async def test_a_new_url_starts_afresh_and_the_job_goes_with_the_link(
    client, alice, github
) -> None:
    github.add("alice", "project", stars=5)
    github.add("alice", "other", stars=50)
    link = await add_link(alice, "https://github.com/alice/project")
    await run_cron(client)

    patched = await alice.patch(
        f"/api/links/{link['id']}", json={"url": "https://github.com/alice/other"}
    )
    assert patched.json()["github"]["stars"] is None
    assert patched.json()["github"]["repo"] == "alice/other"
    synced = await alice.post(f"/api/links/{link['id']}/sync")
    assert synced.json()["github"]["stars"] == 50

    plain = await alice.patch(f"/api/links/{link['id']}", json={"url": "https://example.com/"})
    assert "github" not in plain.json() or plain.json()["github"] is None
    assert (await alice.get(f"/api/links/{link['id']}/sync")).status_code == 404

    await alice.patch(f"/api/links/{link['id']}", json={"url": "https://github.com/alice/other"})
    assert (await alice.get(f"/api/links/{link['id']}/sync")).status_code == 200
    assert (await alice.delete(f"/api/links/{link['id']}")).status_code == 204
    assert (await alice.get(f"/api/links/{link['id']}/sync")).status_code == 404


async def test_the_cron_calls_github_only_when_a_link_is_a_github_link(
    client, alice, github
) -> None:
    # A profile whose links point elsewhere: every five-minute run calls nothing.
    await add_link(alice, "https://example.com/not-github")
    for _ in range(3):
        await run_cron(client)
    assert github.seen == []
    github.add("alice", "tool", stars=1)
    profile_id = (await alice.get("/api/profiles")).json()["items"][0]["id"]
    await alice.post(
        f"/api/profiles/{profile_id}/links",
        json={"title": "Tool", "url": "https://github.com/alice/tool"},
    )
    await run_cron(client)
    # With a GitHub link, health also asks GitHub's /rate_limit (free of the quota).
    assert [s.path for s in github.seen if s.path != "/rate_limit"] == ["/repos/alice/tool"]
