"""Monitoring fixtures: a stand-in receiver for webhooks and GitHub's
``/rate_limit``, settings pointing at it, and a helper that waits for what is
written after the response."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.local import load_settings
from core.settings import Settings
from tests.monitoring.receiver import Receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    yield r
    await r.stop()


@pytest.fixture
def settings(tmp_path: Path, receiver: Receiver) -> Settings:
    return load_settings(
        {"GITHUB_API_URL": receiver.url, "CREATOR_EDGE_ALERT_WEBHOOK_HTTP": "1"},
        data_dir=tmp_path / "data",
        dev=True,
        run_cron=False,
        password_iterations=1000,
    )


async def settle(app, runtime) -> None:
    """Wait for deferred writes, then flush the server timings' buffer."""
    assert await runtime.defer.drain(5)
    await app.state.request_observer.flush(runtime.database)


async def make_public_profile(client, slug: str = "alice") -> str:
    response = await client.post("/api/profiles", json={"slug": slug, "display_name": "Alice"})
    assert response.status_code == 201, response.text
    return response.json()["id"]
