"""Assets' owned resources for the isolation walk: one of A's uploads."""

from __future__ import annotations

import httpx

from tests.assets.imagegen import png


async def create_asset(client: httpx.AsyncClient, ids: dict[str, str]) -> str:
    response = await client.post(
        "/api/assets",
        files={"file": ("walk.png", png((64, 48)), "image/png")},
        data={"purpose": "asset"},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


# Path segment before an id parameter -> how user A makes one of that resource.
CREATORS = {"assets": create_asset}
