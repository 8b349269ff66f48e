"""The client address comes only from what the settings trust (issue 16, point 2)."""

from __future__ import annotations

from pathlib import Path

import httpx

from core.app import create_app
from core.local import LocalRuntime, load_settings
from core.security.client import client_ip
from tests.conftest import make_client
from tests.served import served


def test_the_local_server_does_not_trust_x_forwarded_for(tmp_path: Path) -> None:
    """A client rotating X-Forwarded-For is still one client: uvicorn's proxy
    headers are off unless the settings name a header."""
    with served(tmp_path, CREATOR_EDGE_RATE_LIMIT="5") as server:
        statuses = [
            httpx.get(
                server.base_url + "/api/health",
                headers={"x-forwarded-for": f"203.0.113.{n}"},
                timeout=5,
            ).status_code
            for n in range(8)
        ]
    # The start-up probe spent one of the five.
    assert statuses == [200] * 4 + [429] * 4


def test_a_configured_header_is_trusted_by_the_local_server(tmp_path: Path) -> None:
    with served(
        tmp_path, CREATOR_EDGE_RATE_LIMIT="2", CREATOR_EDGE_CLIENT_IP_HEADER="x-real-ip"
    ) as server:
        statuses = [
            httpx.get(
                server.base_url + "/api/health", headers={"x-real-ip": f"203.0.113.{n}"}, timeout=5
            ).status_code
            for n in range(4)
        ]
    assert statuses == [200] * 4


def test_without_the_configured_header_the_peer_is_the_client() -> None:
    headers = [(b"x-real-ip", b"203.0.113.9, 10.0.0.1")]
    assert client_ip(headers, ("192.0.2.1", 1), b"x-real-ip") == "203.0.113.9"
    assert client_ip([], ("192.0.2.1", 1), b"x-real-ip") == "192.0.2.1"
    assert client_ip([(b"x-real-ip", b" ")], ("192.0.2.1", 1), b"x-real-ip") == "192.0.2.1"
    assert client_ip([], None, b"x-real-ip") is None


async def test_requests_lacking_the_header_do_not_share_one_bucket(tmp_path: Path) -> None:
    """One client without the header cannot lock out every other such client."""
    settings = load_settings(
        {}, data_dir=tmp_path / "data", run_cron=False, rate_limit=3, client_ip_header="x-real-ip"
    )
    runtime = LocalRuntime(settings, run_scheduler=False)
    await runtime.startup()
    try:
        app = create_app(settings, runtime)
        async with (
            make_client(app, ip="192.0.2.1") as noisy,
            make_client(app, ip="192.0.2.2") as quiet,
        ):
            noisy_statuses = [(await noisy.get("/api/health")).status_code for _ in range(4)]
            assert noisy_statuses[-1] == 429
            assert (await quiet.get("/api/health")).status_code == 200
    finally:
        await runtime.shutdown()
