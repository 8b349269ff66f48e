"""The product served for the fuzz run, and a signed-in user with one of each
of its resources, whose real ids go into the path parameters."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.served import Served, served

PASSWORD = "correct horse battery"


@pytest.fixture(scope="package")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # served() fails the run if the server logged a single traceback.
    with served(
        tmp_path_factory.mktemp("fuzz"),
        CREATOR_EDGE_RATE_LIMIT="1000000",
        CREATOR_EDGE_DEV="0",
        CREATOR_EDGE_BILLING_WEBHOOK_SECRET="whsec_fuzz",
    ) as server:
        server.owner = make_owner(server)  # type: ignore[attr-defined]
        yield server


@pytest.fixture(scope="package")
def owner(fuzz_server: Served) -> dict[str, Any]:
    return fuzz_server.owner  # type: ignore[attr-defined]


def make_owner(fuzz_server: Served) -> dict[str, Any]:
    """A user with a profile, a link and an asset: their ids by path parameter.
    Made first, before the fuzzing spends the address's sign-up allowance."""
    with httpx.Client(base_url=fuzz_server.base_url, timeout=30) as client:
        signed = client.post(
            "/api/auth/register",
            json={"email": "fuzz@example.com", "username": "fuzzer", "password": PASSWORD},
        ).json()
        auth = {"authorization": f"Bearer {signed['access_token']}"}
        profile = client.post(
            "/api/profiles", headers=auth, json={"slug": "fuzzed", "display_name": "F"}
        ).json()
        link = client.post(
            f"/api/profiles/{profile['id']}/links",
            headers=auth,
            json={"title": "x", "url": "https://github.com/fuzz/fuzz"},
        ).json()
        picture = io.BytesIO()
        Image.new("RGB", (64, 48), (1, 2, 3)).save(picture, "PNG")
        asset = client.post(
            "/api/assets",
            headers=auth,
            files={"file": ("a.png", picture.getvalue(), "image/png")},
            data={"purpose": "asset"},
        ).json()
        sessions = client.get("/api/me/sessions", headers=auth).json()
    return {
        "auth": auth,
        "ids": {
            "profiles": profile["id"],
            "links": link["id"],
            "assets": asset["id"],
            "sessions": sessions["items"][0]["id"],
            "users": signed["user"]["id"],
        },
    }


def real_id(path: str, name: str, ids: dict[str, str]) -> str | None:
    """The owner's id for a path parameter: the resource named before it in the path."""
    segments = path.strip("/").split("/")
    marker = "{" + name + "}"
    if marker not in segments:
        return None
    at = segments.index(marker)
    for segment in reversed(segments[:at]):
        if segment in ids:
            return ids[segment]
        if segment == "me":
            return ids["sessions"]
    return None
