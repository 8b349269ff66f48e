"""Bodies are refused before they are read, on every method (issue 16, point 1)."""

from __future__ import annotations

from typing import Any

from tests.conftest import register

HUGE = 300 * 1024 * 1024


async def call_raw(app, method: str, path: str, headers: list[tuple[bytes, bytes]]):
    """One request straight into the ASGI app, with a body that must never be read."""
    reads = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        # 64 KiB at a time; a reader that never stops ends after 32 MiB.
        return {"type": "http.request", "body": b"x" * 65536, "more_body": reads < 512}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("203.0.113.5", 40000),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    return sent[0]["status"], reads


async def test_an_unauthenticated_huge_delete_is_refused_unread(app) -> None:
    """The 300 MiB DELETE /api/me: 413 before sign-in is checked or a byte is read."""
    status, reads = await call_raw(
        app,
        "DELETE",
        "/api/me",
        [(b"content-type", b"application/json"), (b"content-length", str(HUGE).encode())],
    )
    assert (status, reads) == (413, 0)


async def test_every_method_has_the_limit(app) -> None:
    for method in ("GET", "HEAD", "DELETE", "OPTIONS", "PUT", "PATCH", "POST"):
        status, reads = await call_raw(
            app, method, "/api/profiles/x", [(b"content-length", str(HUGE).encode())]
        )
        assert (method, status, reads) == (method, 413, 0)


async def test_a_chunked_body_is_read_only_up_to_the_limit(app) -> None:
    status, reads = await call_raw(app, "DELETE", "/api/me", [(b"transfer-encoding", b"chunked")])
    assert status == 413
    assert reads <= 1_048_576 // 65536 + 1


async def test_a_route_that_takes_no_body_refuses_one(client) -> None:
    tokens = await register(client, "carol")
    auth = {"authorization": f"Bearer {tokens['access_token']}"}
    response = await client.request("GET", "/api/me", headers=auth, content=b'{"a": 1}')
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_not_allowed"

    async def chunks():
        yield b'{"a": 1}'

    response = await client.request("GET", "/api/me", headers=auth, content=chunks())
    assert response.status_code == 413
    response = await client.request("DELETE", "/api/me/sessions/x", headers=auth, content=b"{}")
    assert response.status_code == 413
    # An empty body is no body.
    assert (await client.get("/api/me", headers=auth)).status_code == 200


async def test_delete_me_still_takes_its_password(client) -> None:
    tokens = await register(client, "dave")
    response = await client.request(
        "DELETE",
        "/api/me",
        headers={"authorization": f"Bearer {tokens['access_token']}"},
        json={"password": "correct horse battery"},
    )
    assert response.status_code == 204
