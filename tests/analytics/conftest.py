"""Analytics fixtures: a public profile with two links, visitors with known
addresses and browsers, and a helper that waits for the deferred writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import make_client

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
HEADLESS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " HeadlessChrome/120.0.0.0 Safari/537.36"
)


@dataclass
class Site:
    profile_id: str
    slug: str
    links: list[str]


async def settle(runtime) -> None:
    """Wait for deferred enrichment, then write what the batch writer holds."""
    assert await runtime.defer.drain(5)
    await runtime.analytics_writer.flush()


async def signin_again(client: httpx.AsyncClient, name: str = "alice") -> None:
    """A fresh access token after the clock moved past the old one's life."""
    client.headers.pop("authorization", None)
    login = await client.post(
        "/api/auth/login", json={"username": name, "password": "correct horse battery"}
    )
    assert login.status_code == 200, login.text
    client.headers["authorization"] = f"Bearer {login.json()['access_token']}"


async def events(runtime, where: str = "1", *params) -> list[dict]:
    return await runtime.database.all(
        f"SELECT * FROM analytics_events WHERE {where} ORDER BY id", *params
    )


@pytest.fixture
async def site(alice) -> Site:
    # The consent mode, and visitors (below) who agreed: visitor hashes are counted.
    made = await alice.post(
        "/api/profiles",
        json={"slug": "alice-page", "display_name": "Alice", "analytics_mode": "consent"},
    )
    assert made.status_code == 201, made.text
    profile_id = made.json()["id"]
    links = []
    for title in ("Shop", "Blog"):
        link = await alice.post(
            f"/api/profiles/{profile_id}/links",
            json={"title": title, "url": f"https://example.com/{title.lower()}"},
        )
        assert link.status_code == 201, link.text
        links.append(link.json()["id"])
    return Site(profile_id, "alice-page", links)


@pytest.fixture
async def visitor(app) -> AsyncIterator:
    """visitor(ip, user_agent, **headers) -> a client from that address and browser."""
    opened: list[httpx.AsyncClient] = []

    def make(ip: str, user_agent: str, **headers: str) -> httpx.AsyncClient:
        client = make_client(app, ip=ip)
        client.headers["user-agent"] = user_agent
        client.headers["cookie"] = "ce_consent=1"  # agreed on the page's banner
        client.headers.update(headers)
        opened.append(client)
        return client

    yield make
    for client in opened:
        await client.aclose()
