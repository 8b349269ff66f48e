"""Soft deletion (issue 15): ``DELETE /api/me`` closes the account at once (its
public page and redirects answer 404, the beacon stores nothing, GitHub syncs
stop), signing in within the grace period restores it, and after the period the
daily cron erases it. An admin's deactivation has the same public effects."""

from __future__ import annotations

import json

from core.features import run_cron
from core.jobs.schedule import DAILY
from tests.analytics.conftest import CHROME, events, settle
from tests.conftest import make_client, register

PASSWORD = "correct horse battery"
LIFECYCLE = {"account.deactivated", "account.restored", "account.erased"}


async def _site(client) -> tuple[str, str]:
    made = await client.post("/api/profiles", json={"slug": "alice-page", "display_name": "Alice"})
    assert made.status_code == 201, made.text
    link = await client.post(
        f"/api/profiles/{made.json()['id']}/links",
        json={"title": "Shop", "url": "https://example.com/shop"},
    )
    assert link.status_code == 201, link.text
    return made.json()["id"], link.json()["id"]


async def _beacon(app, profile_id: str) -> int:
    async with make_client(app, ip="203.0.113.90") as visitor:
        visitor.headers["user-agent"] = CHROME
        view = {"type": "page_view", "profile_id": profile_id, "path": "/p/alice-page"}
        body = {"events": [view]}
        sent = await visitor.post(
            "/api/collect", content=json.dumps(body), headers={"content-type": "text/plain"}
        )
        return sent.status_code


async def _public(app, link_id: str) -> tuple[int, int]:
    async with make_client(app, ip="203.0.113.91") as anyone:
        anyone.headers["user-agent"] = CHROME
        page = await anyone.get("/p/alice-page")
        redirect = await anyone.get(f"/l/{link_id}")
    return page.status_code, redirect.status_code


async def test_a_closed_account_shows_nothing_and_signing_in_restores_it(
    app, alice, runtime
) -> None:
    profile_id, link_id = await _site(alice)
    assert await _public(app, link_id) == (200, 302)  # the page is in the cache now
    await settle(runtime)
    before = len(await events(runtime))
    assert before >= 2

    closed = await alice.request("DELETE", "/api/me", json={"password": PASSWORD})
    assert closed.status_code == 204
    assert (await alice.get("/api/me")).status_code == 401  # its sessions ended
    assert await _public(app, link_id) == (404, 404)
    assert await _beacon(app, profile_id) == 202  # accepted, as for any unknown profile
    await settle(runtime)
    assert len(await events(runtime)) == before  # the beacon stored nothing
    user = await runtime.database.first(
        "SELECT deleted_at, erase_after FROM users WHERE id = ?", alice.tokens["user"]["id"]
    )
    assert user["deleted_at"] and user["erase_after"] > user["deleted_at"]

    login = await alice.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    assert login.status_code == 200, login.text
    assert await _public(app, link_id) == (200, 302)
    assert await _beacon(app, profile_id) == 202
    await settle(runtime)
    assert len(await events(runtime)) >= before + 2  # the view and the beacon, at least
    audit = await runtime.database.all(
        "SELECT action FROM audit_log WHERE user_id = ? ORDER BY id", alice.tokens["user"]["id"]
    )
    lifecycle = [a["action"] for a in audit if a["action"] in LIFECYCLE]
    assert lifecycle == ["account.deactivated", "account.restored"]


async def test_a_wrong_password_does_not_restore_a_closed_account(app, alice, runtime) -> None:
    await alice.request("DELETE", "/api/me", json={"password": PASSWORD})
    wrong = await alice.post(
        "/api/auth/login", json={"username": "alice", "password": "not the password"}
    )
    assert wrong.status_code == 401
    row = await runtime.database.first(
        "SELECT deleted_at FROM users WHERE id = ?", alice.tokens["user"]["id"]
    )
    assert row["deleted_at"] is not None


async def test_after_the_grace_period_the_cron_erases_it(app, alice, runtime, settings, clock):
    profile_id, _ = await _site(alice)
    owner = alice.tokens["user"]["id"]
    await alice.request("DELETE", "/api/me", json={"password": PASSWORD})
    clock.advance(settings.account_grace_days * 86400 - 60)
    await run_cron(DAILY, runtime.ports(), settings, scheduled_time=clock.now())
    assert await runtime.database.first("SELECT id FROM users WHERE id = ?", owner)  # not yet

    clock.advance(120)
    outcomes = await run_cron(DAILY, runtime.ports(), settings, scheduled_time=clock.now())
    assert {o.job: o.outcome for o in outcomes}["erase_closed_accounts"] == "success"
    db = runtime.database
    assert await db.first("SELECT id FROM users WHERE id = ?", owner) is None
    assert await db.all("SELECT id FROM profiles WHERE owner_id = ?", owner) == []
    assert await db.all("SELECT id FROM audit_log WHERE user_id = ?", owner) == []
    late = await alice.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    assert late.status_code == 401

    # A fresh account with the same email and username sees nothing of the old one.
    async with make_client(app, ip="198.51.100.9") as again:
        tokens = await register(again, "alice")
        again.headers["authorization"] = f"Bearer {tokens['access_token']}"
        export = (await again.get("/api/me/export")).json()
    assert export["user"]["id"] != owner
    assert all(rows == [] for rows in export["data"].values())
    assert {e["action"] for e in export["audit"]} == {"account.registered", "account.exported"}
    assert profile_id not in json.dumps(export)


async def test_an_admins_deactivation_has_the_same_effects(app, alice, runtime) -> None:
    from core.identity import set_role_by_login

    _, link_id = await _site(alice)
    assert await _public(app, link_id) == (200, 302)
    async with make_client(app, ip="198.51.100.7") as admin:
        tokens = await register(admin, "admin1")
        await set_role_by_login(runtime.ports(), app.state.settings, "admin1", "admin")
        admin.headers["authorization"] = f"Bearer {tokens['access_token']}"
        owner = alice.tokens["user"]["id"]
        off = await admin.patch(f"/api/admin/users/{owner}", json={"disabled": True})
        assert off.status_code == 200 and off.json()["disabled"] is True
        assert off.json()["erase_after"] is None  # an admin's deactivation is not erased
        assert await _public(app, link_id) == (404, 404)
        # Signing in does not lift an admin's deactivation.
        login = await alice.post(
            "/api/auth/login", json={"username": "alice", "password": PASSWORD}
        )
        assert login.status_code == 401
        on = await admin.patch(f"/api/admin/users/{owner}", json={"disabled": False})
        assert on.json()["disabled"] is False
    assert await _public(app, link_id) == (200, 302)
