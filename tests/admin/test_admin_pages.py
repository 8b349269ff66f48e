"""The admin area: users (search, role, deactivate) and the audit log (filters),
as pages over the admin API, for admins only."""

from __future__ import annotations

import re

import pytest

ORIGIN = {"origin": "http://testserver"}
PASSWORD = "correct horse battery"


async def _register(client, name: str) -> tuple[dict[str, str], str]:
    created = await client.post(
        "/register",
        headers=ORIGIN,
        data={"email": f"{name}@example.com", "username": name, "password": PASSWORD},
    )
    cookie = {"cookie": created.headers["set-cookie"].split(";", 1)[0]}
    me = (await client.get("/api/me", headers=cookie)).json()
    return cookie, me["id"]


@pytest.fixture
async def people(client, runtime) -> dict[str, tuple[dict[str, str], str]]:
    admin = await _register(client, "root1")
    await runtime.database.run("UPDATE users SET role = 'admin' WHERE id = ?", admin[1])
    # The role is cached with the session: sign in again for the new one.
    signed = await client.post(
        "/login", headers=ORIGIN, data={"login": "root1", "password": PASSWORD}
    )
    admin = ({"cookie": signed.headers["set-cookie"].split(";", 1)[0]}, admin[1])
    return {
        "admin": admin,
        "erin": await _register(client, "erin1"),
        "fay": await _register(client, "fay11"),
    }


async def test_visitors_sign_in_and_non_admins_are_refused(client, people) -> None:
    assert (await client.get("/admin")).headers["location"] == "/login?next=/admin"
    erin, _ = people["erin"]
    for path in ("/admin", "/admin/audit"):
        refused = await client.get(path, headers=erin)
        assert refused.status_code == 403 and "Not allowed" in refused.text
    post = await client.post(
        f"/admin/users/{people['fay'][1]}", headers={**ORIGIN, **erin}, data={"role": "admin"}
    )
    assert post.status_code == 403
    assert '<a href="/admin">Admin</a>' not in (await client.get("/account", headers=erin)).text


async def test_admins_search_change_roles_and_deactivate(client, people) -> None:
    admin, _ = people["admin"]
    page = await client.get("/admin", headers=admin)
    assert page.status_code == 200 and '<a href="/admin" aria-current="page">Admin</a>' in page.text
    assert {"@root1", "@erin1", "@fay11"} <= set(re.findall(r"@\w+", page.text))
    found = (await client.get("/admin?q=erin", headers=admin)).text
    assert "@erin1" in found and "@fay11" not in found
    erin_id = people["erin"][1]
    changed = await client.post(
        f"/admin/users/{erin_id}", headers={**ORIGIN, **admin}, data={"role": "influencer"}
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/admin?done=user_saved"
    influencers = (await client.get("/admin?role=influencer", headers=admin)).text
    assert "@erin1" in influencers and "@fay11" not in influencers
    assert (
        "The user is saved." in (await client.get(changed.headers["location"], headers=admin)).text
    )

    fay, fay_id = people["fay"]
    off = await client.post(
        f"/admin/users/{fay_id}", headers={**ORIGIN, **admin}, data={"disabled": "1"}
    )
    assert off.status_code == 303
    assert (await client.get("/api/me", headers=fay)).status_code == 401
    assert "Reactivate fay11" in (await client.get("/admin?q=fay", headers=admin)).text
    self_demote = await client.post(
        f"/admin/users/{people['admin'][1]}", headers={**ORIGIN, **admin}, data={"role": "creator"}
    )
    assert self_demote.status_code == 409 and 'role="alert"' in self_demote.text
    evil = await client.post(
        f"/admin/users/{fay_id}", headers={"origin": "https://evil.example", **admin}, data={}
    )
    assert evil.status_code == 403


async def test_the_audit_log_filters_by_action_user_outcome_and_day(client, people) -> None:
    admin, admin_id = people["admin"]
    await client.post(
        f"/admin/users/{people['erin'][1]}",
        headers={**ORIGIN, **admin},
        data={"role": "influencer"},
    )
    await client.post("/login", headers=ORIGIN, data={"login": "erin1", "password": "wrong one!!"})
    everything = (await client.get("/admin/audit", headers=admin)).text
    assert "admin.user_changed" in everything and "<td>auth.login" in everything
    changed = (await client.get("/admin/audit?action=admin.user_changed", headers=admin)).text
    assert "admin.user_changed" in changed and "<td>auth.login" not in changed
    denied = (await client.get("/admin/audit?status=denied", headers=admin)).text
    assert "denied" in denied and "success</td>" not in denied
    mine = (await client.get(f"/admin/audit?user_id={admin_id}", headers=admin)).text
    assert "admin.user_changed" in mine
    future = (await client.get("/admin/audit?since=2999-01-01", headers=admin)).text
    assert "No entry matches." in future
    odd = await client.get("/admin/audit?since=not-a-day&status=odd", headers=admin)
    assert odd.status_code == 200
