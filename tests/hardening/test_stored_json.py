"""What a client gives to be stored is checked on the way in, so it can always be
answered (issue 16, points 3, 5 and 8)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.jsonvalue import json_depth, stored_json, stored_object
from tests.conftest import bearer, register


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


async def test_null_metadata_clears_it_and_the_account_still_answers(alice) -> None:
    response = await alice.patch("/api/me", json={"metadata": None})
    assert response.status_code == 200
    assert response.json()["metadata"] == {}
    assert (await alice.get("/api/me")).status_code == 200
    assert (await alice.patch("/api/me", json={"display_name": "Alice"})).status_code == 200


async def test_deep_metadata_is_refused_and_admins_can_still_list(app, alice, runtime) -> None:
    response = await alice.patch("/api/me", json={"metadata": nested(500)})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "body.metadata"
    assert (await alice.patch("/api/me", json={"metadata": nested(8)})).status_code == 200
    assert (await alice.patch("/api/me", json={"metadata": nested(9)})).status_code == 422
    await runtime.ports().db.run("UPDATE users SET role = 'admin' WHERE username = 'alice'")
    relogin = await alice.post(
        "/api/auth/login", json={"username": "alice", "password": "correct horse battery"}
    )
    listed = await alice.get("/api/admin/users", headers=bearer(relogin.json()))
    assert listed.status_code == 200


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
async def test_nan_in_metadata_is_a_422(alice, number: str) -> None:
    response = await alice.patch(
        "/api/me",
        content=f'{{"metadata": {{"x": {number}}}}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert "finite" in response.text


async def test_metadata_of_the_wrong_type_or_size_is_a_422(alice) -> None:
    for metadata in ([1, 2], "text", 3, {"x": "y" * 5000}):
        response = await alice.patch("/api/me", json={"metadata": metadata})
        assert response.status_code == 422, metadata


async def test_a_legacy_null_row_still_reads(alice, runtime) -> None:
    # Stored before the check existed: reads as an empty object, never a 500.
    await runtime.ports().db.run("UPDATE users SET metadata = 'null'")
    assert (await alice.get("/api/me")).json()["metadata"] == {}


@pytest.mark.parametrize("name", ["a\x00b", "evil\u202egnp.exe", "x\u2066y", "tab\there"])
async def test_display_name_refuses_control_characters(alice, name: str) -> None:
    response = await alice.patch("/api/me", json={"display_name": name})
    assert response.status_code == 422


async def test_register_refuses_a_bidi_display_name(client) -> None:
    response = await client.post(
        "/api/auth/register",
        json={
            "email": "eve@example.com",
            "username": "evelyn",
            "password": "correct horse battery",
            "display_name": "admin\u202e",
        },
    )
    assert response.status_code == 422


async def test_profile_text_refuses_bidi_controls(alice) -> None:
    response = await alice.post(
        "/api/profiles", json={"slug": "alice-page", "display_name": "Alice\u202e"}
    )
    assert response.status_code == 422


async def test_deeply_nested_json_anywhere_is_a_4xx(client) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    collect = await client.post(
        "/api/collect", content=deep[:30000], headers={"content-type": "application/json"}
    )
    assert collect.status_code == 400
    tokens = await register(client, "frank")
    for method, path in (("POST", "/api/auth/login"), ("PATCH", "/api/me")):
        response = await client.request(
            method,
            path,
            content="[" * 50_000 + "]" * 50_000,
            headers={**bearer(tokens), "content-type": "application/json"},
        )
        assert 400 <= response.status_code < 500, (path, response.status_code)
    beacon = {"events": [{"type": "custom", "properties": nested(900)}]}
    collect = await client.post(
        "/api/collect", content=json.dumps(beacon), headers={"content-type": "text/plain"}
    )
    assert collect.status_code == 422


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=5), json_values, max_size=5))
def test_what_is_accepted_reads_back_the_same(value) -> None:
    try:
        text = stored_json(value, max_bytes=4096, max_depth=8)
    except ValueError:
        assert json_depth(value) > 8 or len(json.dumps(value, ensure_ascii=False)) > 1000
        return
    assert stored_object(text) == value
