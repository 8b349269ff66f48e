"""The status machine over HTTP: every transition, legal and illegal; moderation first;
admins hold, approve and reject, audited; the cron publishes each due post once."""

from __future__ import annotations

import asyncio

import pytest

from core.content.workflow import STATUSES, TRANSITIONS, allowed
from tests.content.helpers import FLAGGED, admin_headers, create, run_schedule

LEGAL = {
    ("publish", "draft"),
    ("schedule", "draft"),
    ("run_schedule", "scheduled"),
    ("archive", "published"),
    ("approve", "pending_review"),
    ("reject", "pending_review"),
    *(("hold", s) for s in STATUSES if s != "pending_review"),
}


def test_the_table_is_exactly_the_seeds_transitions() -> None:
    found = {(a, s) for a in TRANSITIONS for s in STATUSES if allowed(a, s)}  # type: ignore[arg-type]
    assert found == LEGAL


async def in_status(client, runtime, settings, clock, status: str, admin=None) -> dict:
    """A post of ``client`` brought to ``status`` by the routes (and the cron)."""
    post = await create(client, visibility="public")
    url = f"/api/content/{post['id']}"
    if status == "published":
        post = (await client.post(f"{url}/publish")).json()
    elif status == "scheduled":
        post = (
            await client.post(f"{url}/schedule", json={"scheduled_at": "2027-01-01T00:00:00Z"})
        ).json()
    elif status == "archived":
        await client.post(f"{url}/publish")
        post = (await client.post(f"{url}/archive")).json()
    elif status == "pending_review":
        post = (await client.post(f"/api/admin/moderation/{post['id']}/hold", headers=admin)).json()
    assert post["status"] == status, post
    return post


USER_ACTIONS = {
    "publish": None,
    "schedule": {"scheduled_at": "2027-01-01T00:00:00Z"},
    "archive": None,
}


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", sorted(USER_ACTIONS))
async def test_each_user_action_from_each_status(
    alice, runtime, settings, clock, action, status
) -> None:
    admin = await admin_headers(alice, runtime)
    post = await in_status(alice, runtime, settings, clock, status, admin)
    url = f"/api/content/{post['id']}"
    response = await alice.post(f"{url}/{action}", json=USER_ACTIONS[action])
    after = (await alice.get(url)).json()
    if (action, status) in LEGAL:
        assert response.status_code == 200, response.text
        assert after["status"] == TRANSITIONS[action][1]  # type: ignore[index]
        assert after["version"] == post["version"] + 1
    else:
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "illegal_transition"
        assert after == post  # nothing changed, not even the version


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ["hold", "approve", "reject"])
async def test_each_admin_action_from_each_status(
    alice, bob, runtime, settings, clock, action, status
) -> None:
    admin = await admin_headers(alice, runtime)
    post = await in_status(bob, runtime, settings, clock, status, admin)
    response = await alice.post(f"/api/admin/moderation/{post['id']}/{action}", headers=admin)
    after = (await bob.get(f"/api/content/{post['id']}")).json()
    if (action, status) in LEGAL:
        assert response.status_code == 200, response.text
        assert after["status"] == TRANSITIONS[action][1]  # type: ignore[index]
        audit = (
            await alice.get(
                "/api/admin/audit", params={"action": f"content.{action}"}, headers=admin
            )
        ).json()
        [entry] = audit["items"]
        assert entry["details"]["before"] == status
        assert entry["details"]["after"] == TRANSITIONS[action][1]  # type: ignore[index]
    else:
        assert response.status_code == 409
        assert after == post


async def test_non_admins_cannot_moderate(alice, bob) -> None:
    post = await create(bob)
    assert (await bob.post(f"/api/admin/moderation/{post['id']}/hold")).status_code == 403
    assert (await bob.get("/api/admin/moderation")).status_code == 403
    assert (await bob.get("/api/admin/moderation/rules")).status_code == 403


async def test_a_flagged_post_goes_to_review_and_never_to_published(
    alice, bob, runtime, settings, clock
) -> None:
    post = await create(bob, **FLAGGED, visibility="public")
    url = f"/api/content/{post['id']}"
    held = (await bob.post(f"{url}/publish")).json()
    assert held["status"] == "pending_review"
    assert held["moderation"]["flagged"] is True
    assert "blocked_term:buy followers" in held["moderation"]["reasons"]
    assert held["published_at"] is None
    # Not by publishing again, nor scheduling, nor the cron, nor the public page.
    assert (await bob.post(f"{url}/publish")).status_code == 409
    assert (
        await bob.post(f"{url}/schedule", json={"scheduled_at": "2027-01-01T00:00:00Z"})
    ).status_code == 409
    await run_schedule(runtime, settings, clock.now() + 10**8)
    assert (await bob.get(f"/c/{post['slug']}")).status_code == 404
    assert (await bob.get(url)).json()["status"] == "pending_review"
    admin = await admin_headers(alice, runtime)
    queue = (await alice.get("/api/admin/moderation", headers=admin)).json()
    assert [p["id"] for p in queue["items"]] == [post["id"]]
    # Approved, it is a draft again; the author may publish exactly that version.
    approved = (
        await alice.post(f"/api/admin/moderation/{post['id']}/approve", headers=admin)
    ).json()
    assert approved["status"] == "draft"
    assert (await bob.post(f"{url}/publish")).json()["status"] == "published"


async def test_an_edit_after_approval_is_checked_again(alice, bob, runtime) -> None:
    post = await create(bob, **FLAGGED)
    url = f"/api/content/{post['id']}"
    await bob.post(f"{url}/publish")
    admin = await admin_headers(alice, runtime)
    approved = (
        await alice.post(f"/api/admin/moderation/{post['id']}/approve", headers=admin)
    ).json()
    edited = await bob.patch(
        url,
        json={"body": FLAGGED["body"] + " Again."},
        headers={"if-match": str(approved["version"])},
    )
    assert edited.status_code == 200
    assert (await bob.post(f"{url}/publish")).json()["status"] == "pending_review"


async def test_editing_a_published_post_into_spam_takes_it_down(bob) -> None:
    post = await create(bob, visibility="public")
    url = f"/api/content/{post['id']}"
    live = (await bob.post(f"{url}/publish")).json()
    edited = await bob.patch(
        url, json={"body": "BUY FOLLOWERS " * 10}, headers={"if-match": str(live["version"])}
    )
    assert edited.json()["status"] == "pending_review"
    assert (await bob.get(f"/c/{post['slug']}")).status_code == 404


async def test_rejected_posts_are_archived(alice, bob, runtime) -> None:
    post = await create(bob, **FLAGGED)
    await bob.post(f"/api/content/{post['id']}/publish")
    admin = await admin_headers(alice, runtime)
    rejected = await alice.post(
        f"/api/admin/moderation/{post['id']}/reject", headers=admin, json={"note": "spam"}
    )
    assert rejected.json()["status"] == "archived"
    assert rejected.json()["moderation"]["decision"] == "rejected"


async def test_rules_are_readable_and_configurable_and_audited(alice, bob, runtime) -> None:
    admin = await admin_headers(alice, runtime)
    rules = (await alice.get("/api/admin/moderation/rules", headers=admin)).json()
    assert "buy followers" in rules["blocked_terms"]
    rules["blocked_terms"] = ["bicycles"]
    assert (
        await alice.put("/api/admin/moderation/rules", json=rules, headers=admin)
    ).status_code == 200
    post = await create(bob)  # "Some words about bicycles and wheels."
    assert (await bob.post(f"/api/content/{post['id']}/publish")).json()[
        "status"
    ] == "pending_review"
    audit = (
        await alice.get(
            "/api/admin/audit", params={"action": "moderation.rules_changed"}, headers=admin
        )
    ).json()
    assert audit["items"][0]["details"]["after"]["blocked_terms"] == ["bicycles"]
    bad = await alice.put(
        "/api/admin/moderation/rules", json={**rules, "max_links": -1}, headers=admin
    )
    assert bad.status_code == 422


async def test_scheduling_needs_a_future_time(bob, clock) -> None:
    post = await create(bob)
    past = await bob.post(
        f"/api/content/{post['id']}/schedule", json={"scheduled_at": "2020-01-01T00:00:00Z"}
    )
    assert past.status_code == 422


async def test_the_cron_publishes_due_posts_once_even_when_runs_overlap(
    bob, runtime, settings, clock
) -> None:
    due = await create(bob, visibility="public")
    later = await create(bob)
    await bob.post(
        f"/api/content/{due['id']}/schedule", json={"scheduled_at": "2027-01-01T00:00:00Z"}
    )
    await bob.post(
        f"/api/content/{later['id']}/schedule", json={"scheduled_at": "2028-01-01T00:00:00Z"}
    )
    at = 1_798_765_200.0  # 2027-01-01T01:00:00Z
    await asyncio.gather(*(run_schedule(runtime, settings, at) for _ in range(3)))
    now = (await bob.get(f"/api/content/{due['id']}")).json()
    assert now["status"] == "published" and now["version"] == 3  # created, scheduled, published
    assert (await bob.get(f"/api/content/{later['id']}")).json()["status"] == "scheduled"
    assert (await bob.get(f"/c/{due['slug']}")).status_code == 200


async def test_the_cron_holds_a_due_post_the_rules_now_flag(alice, bob, runtime, settings) -> None:
    post = await create(bob)
    await bob.post(
        f"/api/content/{post['id']}/schedule", json={"scheduled_at": "2027-01-01T00:00:00Z"}
    )
    admin = await admin_headers(alice, runtime)
    rules = (await alice.get("/api/admin/moderation/rules", headers=admin)).json()
    await alice.put(
        "/api/admin/moderation/rules", json={**rules, "blocked_terms": ["wheels"]}, headers=admin
    )
    await run_schedule(runtime, settings, 1_798_765_200.0)
    assert (await bob.get(f"/api/content/{post['id']}")).json()["status"] == "pending_review"
