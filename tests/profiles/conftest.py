"""Fixtures of the profile tests: a profile of alice's, and a page session."""

from __future__ import annotations

import httpx
import pytest

ORIGIN = {"origin": "http://testserver"}


async def make_profile(client: httpx.AsyncClient, slug: str = "alice", **extra) -> dict:
    body = {"slug": slug, "display_name": "Alice Liddell", "bio": "Down the rabbit hole.", **extra}
    response = await client.post("/api/profiles", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def add_link(client: httpx.AsyncClient, profile_id: str, title: str, url: str, **extra):
    response = await client.post(
        f"/api/profiles/{profile_id}/links", json={"title": title, "url": url, **extra}
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def profile(alice) -> dict:
    return await make_profile(alice)


@pytest.fixture
async def session(client) -> str:
    """A page session cookie (``ce_session=...``) of a new user, carol."""
    created = await client.post(
        "/register",
        headers=ORIGIN,
        data={
            "email": "carol@example.com",
            "username": "carol",
            "password": "correct horse battery",
        },
    )
    assert created.status_code == 303, created.text
    return created.headers["set-cookie"].split(";", 1)[0]
