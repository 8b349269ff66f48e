"""No password or refresh token is stored in plain text: look in the files."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import register


async def test_database_files_hold_no_password_or_token(client, runtime, settings) -> None:
    password = "Unmistakable-Passphrase-7731"
    tokens = await register(client, "alice", password)
    refreshed = (
        await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    ).json()
    # Read every file, the WAL and KV files included, as they are on disk now.
    needles = [
        password,
        tokens["refresh_token"],
        refreshed["refresh_token"],
        tokens["refresh_token"].split(".", 1)[1],
        refreshed["refresh_token"].split(".", 1)[1],
    ]
    files = [p for p in Path(settings.data_dir).rglob("*") if p.is_file()]
    assert any(p.name == "creator-edge.sqlite3" for p in files)
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in data, f"{needle[:8]}... found in {path.name}"
