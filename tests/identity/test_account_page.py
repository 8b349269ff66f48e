"""The account page: every account capability of the API as a form (name,
email, password, sessions, export, deletion), and the one sign-in contract
the page and the API share."""

from __future__ import annotations

import json
import re

import pytest

from core.identity.devices import device_name, readable_time

ORIGIN = {"origin": "http://testserver"}
PASSWORD = "correct horse battery"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
async def session(client) -> dict[str, str]:
    created = await client.post(
        "/register",
        headers={**ORIGIN, "user-agent": FIREFOX},
        data={"email": "dora@example.com", "username": "dora", "password": PASSWORD},
    )
    assert created.headers["location"] == "/account?done=registered"
    return {"cookie": created.headers["set-cookie"].split(";", 1)[0]}


async def test_after_registering_the_account_page_gives_the_next_step(client, session) -> None:
    page = await client.get("/account?done=registered", headers=session)
    assert page.status_code == 200
    assert "Welcome! Your account is ready." in page.text
    assert re.search(r'<a class="button" href="/editor">Create your profile</a>', page.text)
    # The navigation: sign out and "my public page" on every signed-in page.
    assert (
        '<form method="post" action="/logout"><button type="submit" class="link">Sign out'
        in page.text
    )
    assert '<a href="/my-page">My public page</a>' in page.text
    assert "Create your profile" not in (await client.get("/account", headers=session)).text


async def test_sessions_read_as_devices_and_times_and_can_be_ended(client, session) -> None:
    api = await client.post(
        "/api/auth/login",
        headers={"user-agent": "curl/8.5.0"},
        json={"username": "dora", "password": PASSWORD},
    )
    assert api.status_code == 200
    page = (await client.get("/account", headers=session)).text
    assert "Firefox 128 on Linux" in page and FIREFOX not in page
    assert "<td>curl 8<br>" in page
    assert re.search(
        r"<time datetime=\"[0-9T:\-.]+Z?\">\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC</time>", page
    )
    ended = re.findall(r'action="/account/sessions/([0-9A-Z]{26})/end"', page)
    assert len(ended) == 1  # the API's; this browser's own is "this one"
    out = await client.post(f"/account/sessions/{ended[0]}/end", headers={**ORIGIN, **session})
    assert out.status_code == 303 and out.headers["location"] == "/account?done=session_ended"
    bearer = {"authorization": f"Bearer {api.json()['access_token']}"}
    assert (await client.get("/api/me", headers=bearer)).status_code == 401
    other = await client.post(f"/account/sessions/{'0' * 26}/end", headers={**ORIGIN, **session})
    assert other.status_code == 404


async def test_name_email_and_password_change_with_forms(client, session) -> None:
    post = {**ORIGIN, **session}
    named = await client.post("/account/name", headers=post, data={"display_name": "Dora D."})
    assert named.headers["location"] == "/account?done=name_saved"
    assert (await client.get("/api/me", headers=session)).json()["display_name"] == "Dora D."

    wrong = await client.post(
        "/account/email", headers=post, data={"email": "d@example.org", "current_password": "nope"}
    )
    assert wrong.status_code == 403 and 'role="alert"' in wrong.text
    moved = await client.post(
        "/account/email",
        headers=post,
        data={"email": "d@example.org", "current_password": PASSWORD},
    )
    assert moved.headers["location"] == "/account?done=email_saved"
    assert (await client.get("/api/me", headers=session)).json()["email"] == "d@example.org"

    new = "a much longer passphrase"
    differ = await client.post(
        "/account/password",
        headers=post,
        data={"current_password": PASSWORD, "password": new, "password_again": new + "x"},
    )
    assert differ.status_code == 422 and "differ" in differ.text
    changed = await client.post(
        "/account/password",
        headers=post,
        data={"current_password": PASSWORD, "password": new, "password_again": new},
    )
    assert changed.headers["location"] == "/account?done=password_saved"
    login = await client.post("/api/auth/login", json={"login": "dora", "password": new})
    assert login.status_code == 200
    evil = await client.post(
        "/account/name", headers={"origin": "https://evil.example", **session}, data={}
    )
    assert evil.status_code == 403


async def test_export_downloads_and_deletion_asks_for_the_password(client, session) -> None:
    export = await client.get("/api/me/export", headers=session)
    assert export.status_code == 200
    assert "attachment" in export.headers["content-disposition"]
    assert json.loads(export.text)["user"]["username"] == "dora"
    page = (await client.get("/account", headers=session)).text
    assert '<a class="button secondary" href="/api/me/export" download>' in page

    post = {**ORIGIN, **session}
    asked = await client.post("/account/delete", headers=post)
    assert asked.status_code == 200 and 'name="password"' in asked.text
    assert "After 30 days it is erased" in asked.text
    assert (await client.get("/api/me", headers=session)).status_code == 200
    wrong = await client.post(
        "/account/delete", headers=post, data={"confirm": "1", "password": "x"}
    )
    assert wrong.status_code == 403 and 'role="alert"' in wrong.text
    assert (await client.get("/api/me", headers=session)).status_code == 200
    gone = await client.post(
        "/account/delete", headers=post, data={"confirm": "1", "password": PASSWORD}
    )
    assert gone.status_code == 303 and gone.headers["location"] == "/?done=account_closed"
    assert (await client.get("/api/me", headers=session)).status_code == 401
    home = await client.get(gone.headers["location"])
    assert "Your account is closed. Sign in again within its grace period" in home.text
    # Within the grace period, signing in again restores it.
    back = await client.post("/login", headers=ORIGIN, data={"login": "dora", "password": PASSWORD})
    assert back.status_code == 303
    cookie = {"cookie": back.headers["set-cookie"].split(";", 1)[0]}
    assert (await client.get("/api/me", headers=cookie)).json()["username"] == "dora"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "dora@example.com"},
        {"username": "DORA"},
        {"login": "dora"},
        {"login": " dora@example.com "},
    ],
)
async def test_one_sign_in_contract_for_the_api_and_the_form(client, session, body) -> None:
    api = await client.post("/api/auth/login", json={**body, "password": PASSWORD})
    assert api.status_code == 200, api.text
    form = await client.post(
        "/login", headers=ORIGIN, data={"login": next(iter(body.values())), "password": PASSWORD}
    )
    assert form.status_code == 303


async def test_the_sign_in_contract_refuses_none_or_two_identifiers(client, session) -> None:
    for body in ({}, {"login": " "}, {"email": "dora@example.com", "login": "dora"}):
        answer = await client.post("/api/auth/login", json={**body, "password": PASSWORD})
        assert answer.status_code == 422, body
    empty = await client.post("/login", headers=ORIGIN, data={"login": "", "password": PASSWORD})
    assert empty.status_code == 422 and "email or username" in empty.text


def test_devices_and_times_read_as_a_person_would() -> None:
    assert device_name(None) == "Unknown device"
    assert device_name(FIREFOX) == "Firefox 128 on Linux"
    assert readable_time("2026-12-03T08:05:00Z") == "3 Dec 2026, 08:05 UTC"
    assert readable_time(0) == "1 Jan 1970, 00:00 UTC"
