"""Admin: listing users and changing roles, explicit and audited."""

from __future__ import annotations

from tests.conftest import bearer, register


async def make_admin(runtime, user_id: str) -> None:
    await runtime.database.run("UPDATE users SET role = 'admin' WHERE id = ?", user_id)


async def test_only_admins_reach_admin_routes(alice, bob, runtime) -> None:
    assert (await bob.get("/api/admin/users")).status_code == 403
    assert (await bob.get("/api/admin/audit")).status_code == 403
    await make_admin(runtime, alice.tokens["user"]["id"])
    # Roles come from the session cache: a fresh sign-in picks up the database's.
    login = await alice.post(
        "/api/auth/login", json={"username": "alice", "password": "correct horse battery"}
    )
    admin = bearer(login.json())
    users = (await alice.get("/api/admin/users", headers=admin)).json()
    assert {u["username"] for u in users["items"]} == {"alice", "bobby"}
    assert all("password" not in str(u) for u in users["items"])


async def test_role_change_applies_at_once_and_is_audited(alice, bob, runtime, client) -> None:
    await make_admin(runtime, alice.tokens["user"]["id"])
    admin = bearer(
        (
            await alice.post(
                "/api/auth/login", json={"username": "alice", "password": "correct horse battery"}
            )
        ).json()
    )
    bob_id = bob.tokens["user"]["id"]
    changed = await alice.patch(f"/api/admin/users/{bob_id}", headers=admin, json={"role": "admin"})
    assert changed.status_code == 200 and changed.json()["role"] == "admin"
    # bob's existing session acts as admin now, with no new sign-in.
    assert (await bob.get("/api/admin/users")).status_code == 200
    invalid = await alice.patch(
        f"/api/admin/users/{bob_id}", headers=admin, json={"role": "emperor"}
    )
    assert invalid.status_code == 422
    missing = await alice.patch("/api/admin/users/nobody", headers=admin, json={"role": "admin"})
    assert missing.status_code == 404
    disabled = await alice.patch(
        f"/api/admin/users/{bob_id}", headers=admin, json={"disabled": True}
    )
    assert disabled.json()["disabled"] is True
    assert (await bob.get("/api/me")).status_code == 401
    log = (
        await alice.get("/api/admin/audit", headers=admin, params={"action": "admin.user_changed"})
    ).json()["items"]
    assert len(log) == 2 and all(e["resource"] == bob_id for e in log)
    assert log[0]["details"] == {
        "from_role": "admin",
        "disabled": True,
        "before": {"disabled": False},
        "after": {"disabled": True},
    }


async def test_an_admin_cannot_demote_themself(alice, runtime) -> None:
    await make_admin(runtime, alice.tokens["user"]["id"])
    admin = bearer(
        (
            await alice.post(
                "/api/auth/login", json={"username": "alice", "password": "correct horse battery"}
            )
        ).json()
    )
    me = alice.tokens["user"]["id"]
    response = await alice.patch(f"/api/admin/users/{me}", headers=admin, json={"role": "creator"})
    assert response.status_code == 409


async def test_new_accounts_are_never_admins(client) -> None:
    tokens = await register(client, "carol")
    assert tokens["user"]["role"] == "creator"


async def test_list_cursors_page_and_junk_cursors_are_refused(alice, runtime) -> None:
    await make_admin(runtime, alice.tokens["user"]["id"])
    admin = bearer(
        (
            await alice.post(
                "/api/auth/login", json={"username": "alice", "password": "correct horse battery"}
            )
        ).json()
    )
    for name in ("carol", "dave1", "erin1"):
        await register(alice, name)
    first = (await alice.get("/api/admin/users", headers=admin, params={"limit": 2})).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = (
        await alice.get(
            "/api/admin/users", headers=admin, params={"limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    names = [u["username"] for page in (first, second) for u in page["items"]]
    assert sorted(names) == ["alice", "carol", "dave1", "erin1"]
    assert second["next_cursor"] is None
    for junk in ("%%%", "abc", "AAAA"):
        bad = await alice.get("/api/admin/users", headers=admin, params={"cursor": junk})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_cursor"
