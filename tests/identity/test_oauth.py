"""Sign-in with GitHub, Google and X (issue 15) against a stand-in provider over
real HTTP: sign-in, sign-up through onboarding, linking, unlinking, and each
failure (a wrong state, a reused code, a provider down, a bad id_token), never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from core.local import load_settings
from core.settings import Settings
from tests.conftest import bearer, register
from tests.identity.oauth_standin import OAuthStandin, Person

ORIGIN = {"origin": "http://testserver"}


@pytest.fixture
async def provider() -> AsyncIterator[OAuthStandin]:
    standin = await OAuthStandin().start()
    yield standin
    await standin.stop()


@pytest.fixture
def settings(tmp_path: Path, provider: OAuthStandin) -> Settings:
    env = {
        f"CREATOR_EDGE_OAUTH_{p.upper()}": provider.settings_env(p)
        for p in ("github", "google", "x")
    }
    return load_settings(
        env, data_dir=tmp_path / "data", dev=True, run_cron=False, password_iterations=1000
    )


async def _to_provider(client, name: str, headers: dict | None = None) -> str:
    start = await client.get(f"/auth/oauth/{name}/start", headers=headers or {})
    assert start.status_code == 302, start.text
    location = start.headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["state"][0]
    assert query["redirect_uri"] == [f"http://testserver/auth/oauth/{name}/callback"]
    return location


async def _approve(location: str) -> str:
    """The provider's consent screen, approved: where it sends the browser back."""
    async with httpx.AsyncClient() as browser:
        answer = await browser.get(location)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    return f"{back.path}?{back.query}"


async def sign_in(client, name: str, headers: dict | None = None) -> httpx.Response:
    return await client.get(await _approve(await _to_provider(client, name, headers)))


def cookie_of(response: httpx.Response) -> dict[str, str]:
    return {"cookie": response.headers["set-cookie"].split(";", 1)[0]}


@pytest.mark.parametrize(
    ("name", "person"),
    [
        ("github", Person("1001", "gh@example.com", True, "Gee Aitch", "ghuser")),
        ("google", Person("g-2002", "goo@example.com", True, "Goo Gle")),
        ("x", Person("3003", None, False, "Ex", "xuser")),
    ],
)
async def test_sign_up_through_onboarding_then_sign_in(client, provider, runtime, name, person):
    provider.who[name] = person
    first = await sign_in(client, name)
    assert first.status_code == 303 and first.headers["location"] == "/onboarding"
    session = cookie_of(first)
    state = (await client.get("/api/me/onboarding", headers=session)).json()
    assert state["onboarded"] is False and state["has_password"] is False
    page = await client.get("/onboarding", headers=session)
    assert page.status_code == 200 and 'name="role"' in page.text

    done = await client.post(
        "/api/me/onboarding",
        headers={**session, **ORIGIN},
        json={
            "username": f"{name}-person",
            "role": "influencer",
            "profile": {"slug": f"{name}-page", "display_name": person.name},
        },
    )
    assert done.status_code == 200, done.text
    assert done.json()["onboarded"] and done.json()["profile"]["slug"] == f"{name}-page"
    me = (await client.get("/api/me", headers=session)).json()
    assert (me["username"], me["role"]) == (f"{name}-person", "influencer")
    assert me["email"] == (person.email or "")
    again = await client.post(
        "/api/me/onboarding",
        headers={**session, **ORIGIN},
        json={"username": "zzz", "role": "creator"},
    )
    assert again.status_code == 409

    second = await sign_in(client, name)
    assert second.status_code == 303 and second.headers["location"] == "/account"
    assert (await client.get("/api/me", headers=cookie_of(second))).json()["id"] == me["id"]
    [linked] = (await client.get("/api/me/identities", headers=session)).json()["items"]
    assert linked["provider"] == name and linked["email"] == person.email
    stored = await runtime.database.first("SELECT email FROM oauth_identities")
    assert person.email is None or person.email not in (stored["email"] or "")


async def test_linking_listing_exporting_and_unlinking(client, provider) -> None:
    alice = await register(client, "alice")
    provider.who["github"] = Person("4004", "someone@example.net", True, "Alice GH", "alicegh")
    linked = await sign_in(client, "github", headers=bearer(alice))
    assert linked.status_code == 303 and linked.headers["location"] == "/account"
    items = (await client.get("/api/me/identities", headers=bearer(alice))).json()["items"]
    assert [i["provider"] for i in items] == ["github"]
    export = (await client.get("/api/me/export", headers=bearer(alice))).json()
    assert [i["provider"] for i in export["linked_identities"]] == ["github"]
    account = await client.get("/account", headers=cookie_of(await sign_in(client, "github")))
    assert "github" in account.text and "Alice GH" in account.text

    # Signing in with the linked identity is signing in as alice.
    back = await sign_in(client, "github")
    assert (await client.get("/api/me", headers=cookie_of(back))).json()["id"] == alice["user"][
        "id"
    ]

    # Another account cannot take it.
    bob = await register(client, "bobby")
    taken = await sign_in(client, "github", headers=bearer(bob))
    assert taken.status_code == 409 and "another account" in taken.text

    # Alice has a password: she may unlink her only identity.
    gone = await client.delete(f"/api/me/identities/{items[0]['id']}", headers=bearer(alice))
    assert gone.status_code == 204
    assert (
        await client.delete(f"/api/me/identities/{items[0]['id']}", headers=bearer(alice))
    ).status_code == 404


async def test_the_last_way_to_sign_in_cannot_be_unlinked(client, provider) -> None:
    provider.who["x"] = Person("5005", None, False, "Only X", "onlyx")
    session = cookie_of(await sign_in(client, "x"))
    [only] = (await client.get("/api/me/identities", headers=session)).json()["items"]
    refused = await client.delete(f"/api/me/identities/{only['id']}", headers={**session, **ORIGIN})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "last_sign_in_method"
    provider.who["google"] = Person("g-6006", "onlyx@example.org", True)
    assert (await sign_in(client, "google", headers=session)).status_code == 303
    ok = await client.delete(f"/api/me/identities/{only['id']}", headers={**session, **ORIGIN})
    assert ok.status_code == 204


async def test_a_verified_email_links_and_an_unverified_one_never_does(client, provider) -> None:
    alice = await register(client, "alice")
    provider.who["github"] = Person("7007", "alice@example.com", False, "Not Alice", "mallory")
    stranger = await sign_in(client, "github")
    assert stranger.headers["location"] == "/onboarding"  # a new account, not alice's
    assert (await client.get("/api/me", headers=cookie_of(stranger))).json()["id"] != alice["user"][
        "id"
    ]

    provider.who["google"] = Person("g-8008", "alice@example.com", True, "Alice G")
    verified = await sign_in(client, "google")
    assert verified.headers["location"] == "/account"
    assert (await client.get("/api/me", headers=cookie_of(verified))).json()["id"] == alice["user"][
        "id"
    ]


async def test_a_wrong_state_a_replayed_callback_and_a_reused_code(client, provider) -> None:
    provider.who["github"] = Person("9009", "r@example.com")
    back = await _approve(await _to_provider(client, "github"))
    code = parse_qs(urlsplit(back).query)["code"][0]
    forged = await client.get(f"/auth/oauth/github/callback?code={code}&state=not-the-state")
    assert forged.status_code == 400 and "did not start here" in forged.text
    assert (await client.get(back)).status_code == 303  # the real one still works once
    replay = await client.get(back)
    assert replay.status_code == 400  # its state is spent

    # The used code under a fresh state: the provider refuses it.
    location = await _to_provider(client, "github")
    state = parse_qs(urlsplit(location).query)["state"][0]
    reused = await client.get(f"/auth/oauth/github/callback?code={code}&state={state}")
    assert reused.status_code == 400 and "refused" in reused.text

    # A state made for GitHub is not Google's.
    location = await _to_provider(client, "github")
    state = parse_qs(urlsplit(location).query)["state"][0]
    crossed = await client.get(f"/auth/oauth/google/callback?code=x&state={state}")
    assert crossed.status_code == 400

    denied_state = parse_qs(urlsplit(await _to_provider(client, "x")).query)["state"][0]
    denied = await client.get(f"/auth/oauth/x/callback?error=access_denied&state={denied_state}")
    assert denied.status_code == 400 and "access_denied" in denied.text


async def test_a_provider_that_is_down_gets_a_clear_page(client, provider) -> None:
    provider.who["google"] = Person("g-1", "d@example.com")
    back = await _approve(await _to_provider(client, "google"))
    provider.down = True
    answer = await client.get(back)
    assert answer.status_code == 503 and "unavailable" in answer.text
    await provider.stop()  # gone entirely: the connection is refused
    location = await _to_provider(client, "x")
    state = parse_qs(urlsplit(location).query)["state"][0]
    refused = await client.get(f"/auth/oauth/x/callback?code=abc&state={state}")
    assert refused.status_code == 503
    await provider.start()


@pytest.mark.parametrize("spoil", ["audience", "expired", "signature", "nonce"])
async def test_a_google_id_token_that_does_not_verify_is_refused(client, provider, spoil) -> None:
    provider.who["google"] = Person("g-2", "v@example.com")
    provider.spoil = spoil
    answer = await sign_in(client, "google")
    assert answer.status_code == 400 and "did not verify" in answer.text
    assert "set-cookie" not in answer.headers


async def test_the_jwks_is_cached(client, provider) -> None:
    provider.who["google"] = Person("g-3", "c@example.com")
    for _ in range(3):
        assert (await sign_in(client, "google")).status_code == 303
    assert provider.seen.count(("jwks", "google")) == 1


async def test_unknown_and_unconfigured_providers_answer_404(client) -> None:
    assert (await client.get("/auth/oauth/myspace/start")).status_code == 404
    listed = (await client.get("/api/auth/providers")).json()["items"]
    assert [p["provider"] for p in listed] == ["github", "google", "x"]
