"""GitHub fixtures: the stand-in API on a free local port, settings pointing at
it, and links made the way the profiles service makes them (the link row and
its job statements in one batch)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.clock import FrozenClock, iso
from core.data.actor import Actor
from core.data.owned import Owned
from core.github import job_statements_for_link
from core.github.client import GitHubApi
from core.ids import new_id
from core.local import LocalRuntime, load_settings
from core.ports import Row
from core.profiles.repo import LINKS
from core.settings import Settings
from tests.github.standin import GitHubStandin

TOKEN = "ghp_standin_token"


@pytest.fixture
async def github(clock: FrozenClock) -> AsyncIterator[GitHubStandin]:
    standin = await GitHubStandin(clock, token=TOKEN).start()
    yield standin
    await standin.stop()


@pytest.fixture
def settings(tmp_path: Path, github: GitHubStandin) -> Settings:
    return load_settings(
        {"GITHUB_API_URL": github.url, "GITHUB_TOKEN": TOKEN},
        data_dir=tmp_path / "data",
        dev=True,
        run_cron=False,
        password_iterations=1000,
    )


@pytest.fixture
def api(runtime: LocalRuntime, github: GitHubStandin) -> GitHubApi:
    """The real client over the real httpx adapter, with a short timeout."""
    return GitHubApi(runtime.http, github.url, TOKEN, timeout=0.5)


class Links:
    """Makes users' profiles and links straight in SQL, with their sync jobs."""

    def __init__(self, runtime: LocalRuntime, clock: FrozenClock) -> None:
        self.db = runtime.ports().db
        self.clock = clock
        self._profiles: dict[str, str] = {}

    async def user(self, name: str) -> Owned:
        now = self.clock.now()
        user_id = new_id(now)
        await self.db.run(
            "INSERT INTO users (id, email, username, password_hash, created_at, updated_at)"
            " VALUES (?, ?, ?, 'x', ?, ?)",
            user_id,
            f"{name}@example.com",
            name,
            iso(now),
            iso(now),
        )
        return Owned(self.db, Actor(user_id, "creator"))

    def of(self, client: object) -> Owned:
        """The query layer of a signed-in test client's user (``alice``, ``bob``)."""
        user = client.tokens["user"]  # type: ignore[attr-defined]
        return Owned(self.db, Actor(user["id"], "creator"))

    async def profile(self, owned: Owned) -> str:
        if owned.owner_id not in self._profiles:
            profile_id, stamp = new_id(), iso(self.clock.now())
            await self.db.run(
                "INSERT INTO profiles (id, owner_id, slug, display_name, created_at, updated_at)"
                " VALUES (?, ?, ?, 'P', ?, ?)",
                profile_id,
                owned.owner_id,
                "p-" + profile_id.lower()[-10:],
                stamp,
                stamp,
            )
            self._profiles[owned.owner_id] = profile_id
        return self._profiles[owned.owner_id]

    async def add(self, owned: Owned, url: str, **job_options: int) -> str:
        """A new link to ``url``; returns its id."""
        link_id, now = new_id(), self.clock.now()
        insert = owned.insert_statement(
            LINKS,
            {
                "id": link_id,
                "profile_id": await self.profile(owned),
                "title": "t",
                "url": url,
                "position": 0,
                "created_at": iso(now),
                "updated_at": iso(now),
            },
        )
        await self.db.batch(
            [insert, *job_statements_for_link(owned, link_id, url, now, **job_options)]
        )
        return link_id

    async def change(self, owned: Owned, link_id: str, url: str) -> None:
        now = self.clock.now()
        update = owned.update_statement(LINKS, link_id, {"url": url, "updated_at": iso(now)})
        await self.db.batch([update, *job_statements_for_link(owned, link_id, url, now)])

    async def job(self, link_id: str) -> Row:
        row = await self.db.first("SELECT * FROM github_sync_jobs WHERE link_id = ?", link_id)
        assert row is not None
        return row

    async def jobs(self) -> list[Row]:
        return await self.db.all("SELECT * FROM github_sync_jobs ORDER BY id")

    async def set_due(self, at: float | None = None) -> None:
        await self.db.run(
            "UPDATE github_sync_jobs SET next_sync_at = ?",
            self.clock.now() if at is None else at,
        )


@pytest.fixture
async def links(runtime: LocalRuntime, clock: FrozenClock) -> Links:
    return Links(runtime, clock)
