"""Fixtures of the release tests: an admin client and a way to publish versions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import bearer, make_client, register

SHA512 = "A" * 86 + "=="


@pytest.fixture
async def admin(app, runtime) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in as an admin (role given in the database, then a fresh sign-in)."""
    async with make_client(app, ip="198.51.100.9") as c:
        tokens = await register(c, "releaser")
        await runtime.database.run(
            "UPDATE users SET role = 'admin' WHERE id = ?", tokens["user"]["id"]
        )
        login = await c.post(
            "/api/auth/login", json={"username": "releaser", "password": "correct horse battery"}
        )
        assert login.status_code == 200, login.text
        c.tokens = login.json()  # type: ignore[attr-defined]
        c.headers.update(bearer(login.json()))
        yield c


def build(name: str, **extra: Any) -> dict[str, Any]:
    return {"url": f"https://dl.example.com/{name}", **extra}


def full_platforms(version: str) -> dict[str, Any]:
    """Signed builds for every updater: Tauri signatures, Sparkle ones, SHA-512s, sizes."""
    return {
        "darwin-universal": build(
            f"App-{version}.zip",
            signature=f"tauri-sig-mac-{version}",
            ed_signature="ZWQyNTUxOQ==",
            sha512=SHA512,
            size=1234,
        ),
        "windows-x86_64": build(
            f"App-Setup-{version}.exe", signature=f"tauri-sig-win-{version}", sha512=SHA512, size=99
        ),
        "linux-x86_64": build(f"App-{version}.AppImage", sha512=SHA512, size=77),
    }


async def publish(admin: httpx.AsyncClient, version: str, **fields: Any) -> httpx.Response:
    body = {
        "version": version,
        "download_url": f"https://dl.example.com/App-{version}",
        "changelog": f"# {version}\n\n- fixes",
        **fields,
    }
    return await admin.post("/api/admin/versions", json=body)
