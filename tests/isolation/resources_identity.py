"""Identity's owned resources for the isolation walk: A's sessions."""

from __future__ import annotations

import httpx


async def create_session(client: httpx.AsyncClient, ids: dict[str, str]) -> str:
    listed = (await client.get("/api/me/sessions")).json()["items"]
    return listed[0]["id"]


# Path segment before an id parameter -> how user A makes one of that resource.
# Creators run in this dict's order; ``ids`` holds what earlier ones made (by segment).
CREATORS = {"sessions": create_session}
