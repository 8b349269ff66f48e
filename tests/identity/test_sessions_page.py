"""GET /api/me/sessions pages with ``limit`` and an opaque ``cursor`` (api.md)."""

from __future__ import annotations

from tests.conftest import bearer, register

PASSWORD = "correct horse battery"


async def _sign_in(client, username: str) -> dict:
    answer = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_sessions_page_newest_first_until_the_cursor_runs_out(client) -> None:
    first = await register(client, "alice")
    for _ in range(4):
        await _sign_in(client, "alice")
    await register(client, "bob")  # his session is never in alice's pages
    everything = await client.get("/api/me/sessions", headers=bearer(first))
    assert everything.json()["next_cursor"] is None
    all_ids = [s["id"] for s in everything.json()["items"]]
    assert len(all_ids) == 5 and all_ids == sorted(all_ids, reverse=True)

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await client.get("/api/me/sessions", headers=bearer(first), params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 2
        seen += [s["id"] for s in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert "=" not in cursor and cursor not in all_ids  # opaque, not the raw id
    assert seen == all_ids and pages == 3


async def test_a_full_last_page_has_no_cursor(client) -> None:
    first = await register(client, "alice")
    await _sign_in(client, "alice")
    page = await client.get("/api/me/sessions", headers=bearer(first), params={"limit": 2})
    assert len(page.json()["items"]) == 2 and page.json()["next_cursor"] is None


async def test_bad_paging_is_a_4xx_in_the_envelope(client) -> None:
    first = await register(client, "alice")
    for params, status, code in (
        ({"cursor": "not-one-of-ours"}, 400, "bad_cursor"),
        ({"limit": 0}, 422, None),
        ({"limit": 201}, 422, None),
        ({"cursor": "x" * 201}, 422, None),
    ):
        answer = await client.get("/api/me/sessions", headers=bearer(first), params=params)
        assert answer.status_code == status, (params, answer.text)
        error = answer.json()["error"]
        assert error["message"]
        if code:
            assert error["code"] == code
