"""Content's owned resources for the isolation walk: A's post (also the id the admin
moderation routes take, which B, not an admin, is refused before any lookup)."""

from __future__ import annotations

import httpx


async def create_post(client: httpx.AsyncClient, ids: dict[str, str]) -> str:
    response = await client.post(
        "/api/content",
        json={"title": "Alice's post", "body": "A post only Alice may read or change."},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


# Path segment before an id parameter -> how user A makes one of that resource.
CREATORS = {"content": create_post, "moderation": create_post}
