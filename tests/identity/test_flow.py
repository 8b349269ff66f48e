"""Register, sign in, use, refresh and sign out, over HTTP."""

from __future__ import annotations

import asyncio
import base64
import json

import jwt

from core.identity.sessions import REFRESH_GRACE
from core.identity.tokens import AUDIENCE, ISSUER, signing_key
from tests.conftest import bearer, make_client, register


async def test_register_login_me_refresh_logout(client) -> None:
    created = await register(client, "alice")
    assert created["token_type"] == "bearer" and created["expires_in"] == 900
    assert created["user"]["username"] == "alice" and created["user"]["role"] == "creator"
    assert "password" not in json.dumps(created["user"])

    login = await client.post(
        "/api/auth/login", json={"email": "ALICE@example.com", "password": "correct horse battery"}
    )
    assert login.status_code == 200
    tokens = login.json()
    assert login.headers["cache-control"] == "no-store"

    me = await client.get("/api/me", headers=bearer(tokens))
    assert me.status_code == 200 and me.json()["email"] == "alice@example.com"

    refreshed = await client.post(
        "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert (await client.get("/api/me", headers=bearer(new))).status_code == 200

    out = await client.post("/api/auth/logout", headers=bearer(new))
    assert out.status_code == 204
    # The access token is still unexpired, but its session has ended: refused at once.
    after = await client.get("/api/me", headers=bearer(new))
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "session_ended"
    # The other session (from register) still works.
    assert (await client.get("/api/me", headers=bearer(created))).status_code == 200


async def test_wrong_password_and_unknown_user_answer_alike(client) -> None:
    await register(client, "alice")
    wrong = await client.post("/api/auth/login", json={"username": "alice", "password": "nope" * 3})
    unknown = await client.post("/api/auth/login", json={"username": "zed", "password": "nope" * 3})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_bad_tokens_answer_401(client, settings, clock) -> None:
    tokens = await register(client, "alice")
    access = tokens["access_token"]
    header, _payload, signature = access.split(".")

    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = jwt.decode(access, options={"verify_signature": False})
    tampered = f"{header}.{b64({**claims, 'sub': 'someone-else'})}.{signature}"
    alg_none = f"{b64({'alg': 'none', 'typ': 'at+jwt'})}.{b64(claims)}."
    key = signing_key(settings.secret_key.get_secret_value(), "access-token")
    wrong_aud = jwt.encode(
        {**claims, "aud": "elsewhere"}, key, algorithm="HS256", headers={"typ": "at+jwt"}
    )
    wrong_typ = jwt.encode(claims, key, algorithm="HS256", headers={"typ": "JWT"})
    other_key = jwt.encode(claims, b"x" * 32, algorithm="HS256", headers={"typ": "at+jwt"})
    for token in (tampered, alg_none, wrong_aud, wrong_typ, other_key, "garbage", ""):
        response = await client.get("/api/me", headers={"authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.json()["error"]["code"] in {"invalid_token", "unauthorized"}
    assert claims["iss"] == ISSUER and claims["aud"] == AUDIENCE

    assert (await client.get("/api/me", headers=bearer(tokens))).status_code == 200
    clock.advance(15 * 60 + 1)
    expired = await client.get("/api/me", headers=bearer(tokens))
    assert expired.status_code == 401


async def test_reused_refresh_token_revokes_the_family(client, clock) -> None:
    tokens = await register(client, "alice")
    first = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert first.status_code == 200
    rotated = first.json()
    clock.advance(REFRESH_GRACE + 0.5)  # past the grace window for parallel refreshes
    reuse = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert reuse.status_code == 401
    assert reuse.json()["error"]["code"] == "refresh_token_reused"
    # The whole family is gone: the newest refresh and access tokens fail too.
    again = await client.post("/api/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert again.status_code == 401
    assert (await client.get("/api/me", headers=bearer(rotated))).status_code == 401


async def test_parallel_refreshes_of_one_token_get_the_same_new_token(client, clock) -> None:
    """Two tabs refreshing at once keep the session (the OAuth security BCP's grace)."""
    tokens = await register(client, "alice")
    answers = await asyncio.gather(
        *(
            client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
            for _ in range(10)
        )
    )
    assert [a.status_code for a in answers] == [200] * 10
    assert len({a.json()["refresh_token"] for a in answers}) == 1
    newest = answers[0].json()
    for answer in answers:
        assert (await client.get("/api/me", headers=bearer(answer.json()))).status_code == 200
    clock.advance(REFRESH_GRACE - 1)
    late = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert late.json()["refresh_token"] == newest["refresh_token"]
    # The new token rotates as usual, and then the first one is a reuse at once.
    after = await client.post("/api/auth/refresh", json={"refresh_token": newest["refresh_token"]})
    assert after.status_code == 200
    reuse = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert reuse.json()["error"]["code"] == "refresh_token_reused"
    gone = await client.post(
        "/api/auth/refresh", json={"refresh_token": after.json()["refresh_token"]}
    )
    assert gone.status_code == 401


async def test_sign_in_is_limited_per_account_and_per_client(app) -> None:
    async with make_client(app, ip="192.0.2.10") as client:
        await register(client, "alice")
    attempts = []
    for i in range(6):  # each from a new address: only the per-account limit applies
        async with make_client(app, ip=f"192.0.2.{20 + i}") as client:
            r = await client.post(
                "/api/auth/login", json={"username": "alice", "password": "x" * 12}
            )
            attempts.append(r.status_code)
    assert attempts == [401] * 5 + [429]
    async with make_client(app, ip="192.0.2.99") as client:
        codes = []
        for i in range(6):  # one address, a different account each time
            r = await client.post(
                "/api/auth/login", json={"username": f"u{i}x", "password": "x" * 12}
            )
            codes.append(r.status_code)
        assert codes == [401] * 5 + [429]
        assert '"login";q=5;w=60' in r.headers["ratelimit-policy"]


async def test_registration_conflicts_and_invalid_fields(client) -> None:
    await register(client, "alice")
    duplicate = await client.post(
        "/api/auth/register",
        json={
            "email": "Alice@Example.com",
            "username": "other",
            "password": "correct horse battery",
        },
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["details"]["fields"] == ["email"]
    bad = await client.post(
        "/api/auth/register",
        json={"email": "not-an-email", "username": "bob", "password": "correct horse battery"},
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "email"
    weak = await client.post(
        "/api/auth/register",
        json={"email": "b@example.com", "username": "bob", "password": "short"},
    )
    assert weak.status_code == 422 and weak.json()["error"]["details"][0]["field"] == "password"
    extra = await client.post(
        "/api/auth/register",
        json={
            "email": "b@example.com",
            "username": "bob",
            "password": "correct horse battery",
            "role": "admin",
        },
    )
    assert extra.status_code == 422  # no way to pick one's own role


async def test_password_change_ends_other_sessions(client) -> None:
    first = await register(client, "alice")
    second = (
        await client.post(
            "/api/auth/login", json={"username": "alice", "password": "correct horse battery"}
        )
    ).json()
    refused = await client.patch(
        "/api/me",
        headers=bearer(first),
        json={"password": "a new passphrase here", "current_password": "wrong one!!"},
    )
    assert refused.status_code == 403
    changed = await client.patch(
        "/api/me",
        headers=bearer(first),
        json={
            "password": "a new passphrase here",
            "current_password": "correct horse battery",
            "display_name": "Alice A.",
        },
    )
    assert changed.status_code == 200 and changed.json()["display_name"] == "Alice A."
    assert (await client.get("/api/me", headers=bearer(first))).status_code == 200
    assert (await client.get("/api/me", headers=bearer(second))).status_code == 401
    old = await client.post(
        "/api/auth/login", json={"username": "alice", "password": "correct horse battery"}
    )
    assert old.status_code == 401
    actions = [
        e["action"]
        for e in (await client.get("/api/me/audit", headers=bearer(first))).json()["items"]
    ]
    assert "account.password_changed" in actions and "account.reauth" in actions


async def test_sessions_can_be_listed_and_revoked(client) -> None:
    first = await register(client, "alice")
    second = (
        await client.post(
            "/api/auth/login", json={"username": "alice", "password": "correct horse battery"}
        )
    ).json()
    listed = (await client.get("/api/me/sessions", headers=bearer(first))).json()["items"]
    assert len(listed) == 2 and sum(s["current"] for s in listed) == 1
    other = next(s for s in listed if not s["current"])
    assert (
        await client.delete(f"/api/me/sessions/{other['id']}", headers=bearer(first))
    ).status_code == 204
    assert (await client.get("/api/me", headers=bearer(second))).status_code == 401
    missing = await client.delete("/api/me/sessions/nope", headers=bearer(first))
    assert missing.status_code == 404
