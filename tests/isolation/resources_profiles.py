"""Profiles' owned resources for the isolation walk: A's profile and a link on it."""

from __future__ import annotations

import httpx


async def create_profile(client: httpx.AsyncClient, ids: dict[str, str]) -> str:
    response = await client.post(
        "/api/profiles", json={"slug": "alice-page", "display_name": "Alice"}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def create_link(client: httpx.AsyncClient, ids: dict[str, str]) -> str:
    # A GitHub link, so the sync routes under /api/links/{id} have a job to refuse.
    response = await client.post(
        f"/api/profiles/{ids['profiles']}/links",
        json={"title": "My project", "url": "https://github.com/alice/project"},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


# Path segment before an id parameter -> how user A makes one of that resource.
CREATORS = {"profiles": create_profile, "links": create_link}
