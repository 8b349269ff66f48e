"""The home page and the one layout every page of the product shares: its
navigation, signed out and signed in, the same CSP and security headers."""

from __future__ import annotations

import re

import pytest

from core.web.render import SIGNED_IN_NAV, SIGNED_OUT_NAV

ORIGIN = {"origin": "http://testserver"}
PAGES = ("/", "/login", "/register", "/account", "/editor", "/dashboard")
SECURITY_HEADERS = {
    "strict-transport-security": "max-age=63072000; includeSubDomains; preload",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


@pytest.fixture
async def cookie(client) -> dict[str, str]:
    created = await client.post(
        "/register",
        headers=ORIGIN,
        data={"email": "erin@example.com", "username": "erin", "password": "correct horse battery"},
    )
    assert created.status_code == 303
    return {"cookie": created.headers["set-cookie"].split(";", 1)[0]}


def _nav(html: str) -> list[tuple[str, str]]:
    found = re.search(r'<nav class="site" aria-label="creator-edge">(.*?)</nav>', html, re.DOTALL)
    assert found, "the page has not the layout's navigation"
    links = re.findall(r'<a (?:class="brand" )?href="([^"]+)"[^>]*>([^<]+)</a>', found.group(1))
    return links


def _nonce(csp: str) -> str:
    return csp.split("'nonce-")[1].split("'")[0]


async def test_home_says_what_the_product_is_and_leads_a_visitor_in(client) -> None:
    home = await client.get("/")
    assert home.status_code == 200
    assert home.headers["content-type"].startswith("text/html")
    assert "<h1>One page for everything you make</h1>" in home.text
    assert _nav(home.text) == [("/", "creator-edge"), *SIGNED_OUT_NAV]
    for href in ("/register", "/login"):
        assert re.search(f'<a class="button[^"]*" href="{href}">', home.text), href
    assert 'href="/editor"' not in home.text and 'href="/dashboard"' not in home.text


async def test_home_leads_a_signed_in_person_to_their_pages(client, cookie) -> None:
    home = await client.get("/", headers=cookie)
    assert home.status_code == 200
    assert _nav(home.text) == [("/", "creator-edge"), *SIGNED_IN_NAV]
    for href in ("/editor", "/dashboard", "/account"):
        assert re.search(f'<a class="button[^"]*" href="{href}">', home.text), href
    assert 'href="/register"' not in home.text


async def test_a_stale_cookie_is_a_visitor(client) -> None:
    home = await client.get("/", headers={"cookie": "ce_session=nope.nope"})
    assert home.status_code == 200
    assert _nav(home.text) == [("/", "creator-edge"), *SIGNED_OUT_NAV]


async def test_every_page_shares_the_layout_csp_and_headers(client, cookie) -> None:
    policies = set()
    for path in PAGES:
        signed_out = path in ("/login", "/register")  # signed in, /login sends you on
        page = await client.get(path, headers={} if signed_out else cookie)
        assert page.status_code == 200, path
        assert page.headers["cache-control"] == "no-store", path
        links = _nav(page.text)
        assert links == [("/", "creator-edge"), *(SIGNED_OUT_NAV if signed_out else SIGNED_IN_NAV)]
        current = re.findall(r'<a [^>]*href="([^"]+)" aria-current="page"', page.text)
        assert current == ([path] if path in dict(links) else []), path
        csp = page.headers["content-security-policy"]
        nonce = _nonce(csp)
        # Every inline block carries this response's nonce; no inline handler.
        for tag in re.findall(r"<(?:style|script)\b[^>]*>", page.text):
            assert f'nonce="{nonce}"' in tag, (path, tag)
        assert not re.search(r"<[^>]*\son[a-z]+\s*=", page.text), path
        assert '<html lang="en">' in page.text and 'name="viewport"' in page.text
        assert re.search(r"<title>[^<]+</title>", page.text)
        assert 'name="description"' in page.text
        for name, value in SECURITY_HEADERS.items():
            assert page.headers[name] == value, (path, name)
        assert "camera=()" in page.headers["permissions-policy"]
        policies.add(csp.replace(nonce, "N"))
    assert len(policies) == 1, policies  # one CSP for every page
    (policy,) = policies
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


async def test_signed_out_pages_show_the_way_in(client) -> None:
    for path in ("/login", "/register"):
        page = await client.get(path)
        assert _nav(page.text) == [("/", "creator-edge"), *SIGNED_OUT_NAV], path


async def test_pages_stay_out_of_the_openapi_document(client) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not set(PAGES) & set(paths)


async def test_the_public_profile_page_keeps_its_own_face(alice, client) -> None:
    made = await alice.post("/api/profiles", json={"slug": "alice", "display_name": "Alice"})
    assert made.status_code == 201
    page = await client.get("/p/alice")
    assert page.status_code == 200
    assert 'class="site"' not in page.text and "creator-edge</a>" not in page.text
