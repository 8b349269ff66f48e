"""Shared fixtures: real SQLite files in a temporary folder, the real Redis,
and the app called in-process through httpx's ASGI transport."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import settings as hypothesis_profiles

from core.app import create_app
from core.clock import FrozenClock
from core.local import LocalRuntime, load_settings
from core.settings import Settings

# Property tests run derandomized by default: the suite is a gate, and a gate must
# pass or fail the same way on every run and every clone (issue 16: a chance find
# failed 1 run in 6, then every later run of that clone, from the example
# database). Searching is a deliberate act: HYPOTHESIS_PROFILE=explore runs random
# examples, many more of them; whatever it finds is kept as an @example beside the
# test, so every run tries it from then on.
hypothesis_profiles.register_profile("derandomized", derandomize=True, database=None)
hypothesis_profiles.register_profile("explore", max_examples=2000, deadline=None)
hypothesis_profiles.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "derandomized"))


class _Tracebacks(logging.Handler):
    """Collects every log record that carries a traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


@pytest.fixture(autouse=True)
def no_tracebacks_logged(request: pytest.FixtureRequest) -> Iterator[None]:
    """No test's requests may log a traceback (an unhandled error: a 500), except
    a test marked ``planted_error`` that raises one on purpose and says so."""
    handler = _Tracebacks()
    logger = logging.getLogger("creator_edge")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    planted = request.node.get_closest_marker("planted_error") is not None
    if planted:
        assert handler.records, "a planted_error test logged no traceback"
    elif handler.records:
        first = handler.records[0]
        pytest.fail(
            f"{len(handler.records)} traceback(s) logged, first: {first.getMessage()}",
            pytrace=False,
        )


REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
CLIENT_IP = "203.0.113.77"


@pytest.fixture
def clock() -> FrozenClock:
    # A moment 10 s into a minute, so a 60 s window has room on both sides.
    return FrozenClock(1_790_000_010.0)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Few password iterations keep sign-ups fast; tests/identity/test_passwords.py
    # covers the real count.
    return load_settings(
        {}, data_dir=tmp_path / "data", dev=True, run_cron=False, password_iterations=1000
    )


@pytest.fixture
async def runtime(settings: Settings, clock: FrozenClock) -> AsyncIterator[LocalRuntime]:
    runtime = LocalRuntime(settings, clock=clock, run_scheduler=False)
    await runtime.startup()
    yield runtime
    await runtime.shutdown()


def make_client(app, ip: str = CLIENT_IP) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def app(settings: Settings, runtime: LocalRuntime):
    return create_app(settings, runtime)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(app) as c:
        yield c


async def register(
    client: httpx.AsyncClient, name: str = "alice", password: str = "correct horse battery"
) -> dict:
    """Create an account over HTTP; returns the register answer (user and tokens)."""
    response = await client.post(
        "/api/auth/register",
        json={"email": f"{name}@example.com", "username": name, "password": password},
    )
    assert response.status_code == 201, response.text
    return response.json()


def bearer(tokens: dict) -> dict[str, str]:
    return {"authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture
async def alice(app) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in as alice (its tokens on ``client.tokens``)."""
    async with make_client(app, ip="198.51.100.1") as c:
        c.tokens = await register(c, "alice")  # type: ignore[attr-defined]
        c.headers.update(bearer(c.tokens))  # type: ignore[attr-defined]
        yield c


@pytest.fixture
async def bob(app) -> AsyncIterator[httpx.AsyncClient]:
    """A second user, signed in as bob, from another address."""
    async with make_client(app, ip="198.51.100.2") as c:
        c.tokens = await register(c, "bobby")  # type: ignore[attr-defined]
        c.headers.update(bearer(c.tokens))  # type: ignore[attr-defined]
        yield c
