"""The sign-in pages: cookie session, Origin checks, failures shown on the form."""

from __future__ import annotations

ORIGIN = {"origin": "http://testserver"}
FORM = {"content-type": "application/x-www-form-urlencoded"}


async def test_register_page_signs_in_with_a_strict_cookie(client) -> None:
    page = await client.get("/register")
    assert page.status_code == 200 and "<form" in page.text
    nonce = page.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in page.text
    created = await client.post(
        "/register",
        headers=ORIGIN,
        data={
            "email": "alice@example.com",
            "username": "alice",
            "password": "correct horse battery",
        },
    )
    assert created.status_code == 303 and created.headers["location"] == "/account?done=registered"
    cookie = created.headers["set-cookie"]
    for attribute in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
        assert attribute.lower() in cookie.lower()
    session = cookie.split(";", 1)[0]
    account = await client.get("/account", headers={"cookie": session})
    assert account.status_code == 200 and "@alice" in account.text
    # The cookie also authenticates the JSON API.
    me = await client.get("/api/me", headers={"cookie": session})
    assert me.json()["username"] == "alice"

    out = await client.post("/logout", headers={**ORIGIN, "cookie": session})
    assert out.status_code == 303
    assert (await client.get("/account", headers={"cookie": session})).status_code == 303
    assert (await client.get("/api/me", headers={"cookie": session})).status_code == 401


async def test_form_posts_from_elsewhere_are_refused(client) -> None:
    response = await client.post(
        "/register",
        headers={"origin": "https://evil.example"},
        data={"email": "a@example.com", "username": "alice", "password": "correct horse battery"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "bad_origin"
    no_origin = await client.post("/login", data={"login": "a", "password": "b"})
    assert no_origin.status_code == 403
    referer = await client.post(
        "/login",
        headers={"referer": "http://testserver/login"},
        data={"login": "nobody", "password": "whatever it is"},
    )
    assert referer.status_code == 401  # same-site Referer stands in for Origin


async def test_login_page_shows_failures_and_keeps_next_on_site(client) -> None:
    await client.post(
        "/register",
        headers=ORIGIN,
        data={
            "email": "alice@example.com",
            "username": "alice",
            "password": "correct horse battery",
        },
    )
    wrong = await client.post(
        "/login",
        headers=ORIGIN,
        data={"login": "alice", "password": "not the password", "next": "/account"},
    )
    assert wrong.status_code == 401 and "is wrong" in wrong.text
    assert 'value="alice"' in wrong.text
    ok = await client.post(
        "/login",
        headers=ORIGIN,
        data={"login": "alice", "password": "correct horse battery", "next": "//evil.example/x"},
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/account"
    redirected = await client.get("/account")
    assert redirected.status_code == 303
    assert redirected.headers["location"].startswith("/login?next=")


async def test_escaping_in_pages(client) -> None:
    bad = await client.post(
        "/register",
        headers=ORIGIN,
        data={"email": "<script>alert(1)</script>", "username": "alice", "password": "x"},
    )
    assert bad.status_code == 422
    assert "<script>alert(1)</script>" not in bad.text
    assert "&lt;script&gt;" in bad.text
