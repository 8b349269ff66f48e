"""Feature flags: stored in D1, published to KV, evaluated with no database
statement; a stable rollout; overrides beat plans; admins' changes audited."""

from __future__ import annotations

import json

import pytest

from core.identity import set_role_by_login
from core.plans.flags.evaluate import Flag, bucket
from core.plans.flags.store import KV_KEY
from tests.conftest import bearer, make_client, register
from tests.plans.counting import counted_statements


@pytest.fixture
async def admin(app, runtime):
    async with make_client(app, ip="198.51.100.3") as c:
        await register(c, "flagkeeper")
        await set_role_by_login(runtime.ports({}), app.state.settings, "flagkeeper", "admin")
        login = await c.post(
            "/api/auth/login", json={"username": "flagkeeper", "password": "correct horse battery"}
        )
        c.headers.update(bearer(login.json()))
        yield c


def test_a_20_percent_rollout_is_on_for_20_percent_of_10000_ids_the_same_ones_every_time() -> None:
    flag = Flag("new_editor", rollout_percent=20)
    ids = [f"01J{n:023d}" for n in range(10_000)]
    on = {i for i in ids if flag.value_for(i, "free")}
    assert 1800 <= len(on) <= 2200
    assert on == {i for i in ids if flag.value_for(i, "pro")}  # the same ids every time
    assert on == {i for i in ids if bucket("new_editor", i) < 20}
    # Another flag at 20% picks other ids: rollouts are independent.
    other = {i for i in ids if Flag("other", rollout_percent=20).value_for(i, "free")}
    assert len(on & other) < 600


def test_an_override_beats_the_plan_value_which_beats_the_rollout_and_default() -> None:
    flag = Flag(
        "f",
        default_on=False,
        plan_values={"pro": True},
        user_overrides={"U1": False},
        rollout_percent=0,
    )
    assert flag.value_for("U1", "pro") is False
    assert flag.value_for("U2", "pro") is True
    assert flag.value_for("U2", "free") is False  # rollout 0
    assert Flag("g", default_on=True).value_for("U2", "free") is True


async def test_admins_edit_flags_audited_and_the_next_request_sees_the_change(
    admin, alice, runtime
) -> None:
    assert (await alice.get("/api/flags")).json() == {"flags": {}}
    put = await admin.put(
        "/api/admin/flags/beta", json={"description": "Beta tools", "plan_values": {"free": True}}
    )
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 1
    assert (await alice.get("/api/flags")).json() == {"flags": {"beta": True}}
    me = (await alice.get("/api/me")).json()["id"]
    changed = await admin.put(
        "/api/admin/flags/beta", json={"plan_values": {"free": True}, "user_overrides": {me: False}}
    )
    assert changed.json()["version"] == 2
    # The very next request of this process sees it.
    assert (await alice.get("/api/flags")).json() == {"flags": {"beta": False}}
    assert await runtime.ports({}).kv.get(KV_KEY) is not None
    audit = (await admin.get("/api/admin/audit", params={"action": "flag.changed"})).json()["items"]
    assert len(audit) == 2
    latest = audit[0]["details"]
    assert latest["before"]["user_overrides"] == {}
    assert latest["after"]["user_overrides"] == {me: False}
    assert (await admin.delete("/api/admin/flags/beta")).status_code == 204
    assert (await alice.get("/api/flags")).json() == {"flags": {}}
    assert (await admin.delete("/api/admin/flags/beta")).status_code == 404


async def test_flags_are_read_with_no_database_statement(admin, alice, runtime) -> None:
    await admin.put("/api/admin/flags/beta", json={"rollout_percent": 50})
    await alice.get("/api/flags")  # warm: this isolate's copies
    async with counted_statements(runtime) as statements:
        for _ in range(20):
            assert (await alice.get("/api/flags")).status_code == 200
    assert statements == []


async def test_only_admins_edit_flags_and_bad_flags_answer_422(admin, alice) -> None:
    assert (await alice.put("/api/admin/flags/x", json={})).status_code == 403
    assert (await alice.get("/api/admin/flags")).status_code == 403
    for key, body in (
        ("Bad Key", {}),
        ("ok", {"rollout_percent": 101}),
        ("ok", {"plan_values": {"gold": True}}),
        ("ok", {"user_overrides": {"a b": True}}),
        ("ok", {"unknown": 1}),
        ("ok", {"description": "a\u202eb"}),
    ):
        answer = await admin.put(f"/api/admin/flags/{key}", json=body)
        assert answer.status_code == 422, (key, body, answer.text)


async def test_erasure_removes_a_users_overrides(admin, alice, runtime, settings, clock) -> None:
    from tests.identity.test_gdpr import end_grace_period

    me = (await alice.get("/api/me")).json()["id"]
    await admin.put("/api/admin/flags/beta", json={"user_overrides": {me: True, "OTHER1": True}})
    erased = await alice.request("DELETE", "/api/me", json={"password": "correct horse battery"})
    assert erased.status_code in (200, 204), erased.text
    await end_grace_period(runtime, settings, clock)  # closing erases after the grace period
    # Thirty days on, the admin's token has expired: the stored flag is what counts.
    flag = await runtime.database.first(
        "SELECT user_overrides FROM feature_flags WHERE key = 'beta'"
    )
    assert json.loads(flag["user_overrides"]) == {"OTHER1": True}
