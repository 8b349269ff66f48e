"""Helpers for the asset tests: uploads over HTTP, and a look at what is stored."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image

from core.identity.gdpr import user_blob_prefix


async def upload(
    client: httpx.AsyncClient,
    data: bytes,
    *,
    name: str = "photo.jpg",
    content_type: str = "image/jpeg",
    purpose: str = "asset",
    **fields: str,
) -> httpx.Response:
    """POST /api/assets as a browser form would send it."""
    return await client.post(
        "/api/assets",
        files={"file": (name, data, content_type)},
        data={"purpose": purpose, **fields},
    )


def user_id(client: httpx.AsyncClient) -> str:
    return client.tokens["user"]["id"]  # type: ignore[attr-defined]


async def stored_keys(runtime: Any, client: httpx.AsyncClient) -> list[str]:
    """Every blob key under the user's prefix."""
    page = await runtime.ports().blobs.list(user_blob_prefix(user_id(client)))
    return [meta.key for meta in page.items]


async def rows(runtime: Any) -> list[dict]:
    return await runtime.database.all("SELECT * FROM asset_uploads ORDER BY id")


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture
async def photo(alice) -> dict:
    """A ready asset of alice's: a 640x480 JPEG full of metadata, re-encoded."""
    from tests.assets.imagegen import jpeg

    response = await upload(alice, jpeg())
    assert response.status_code == 201, response.text
    return response.json()
