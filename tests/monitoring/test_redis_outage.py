"""Stop Redis under a running server: no request answers 500, /api/health says
it is down, the scheduled check opens a built-in alert; start it again and the
alert resolves. The Redis is one this test starts on a spare port."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from core.resilience import RETRY_AFTER
from tests.served import free_port, served, sign_up

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server")
FIVE = "*/5 * * * *"


def _redis(port: int, folder: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if (
            subprocess.run(
                ["redis-cli", "-p", str(port), "ping"], capture_output=True
            ).stdout.strip()
            == b"PONG"
        ):
            return process
        time.sleep(0.05)
    raise AssertionError("redis-server did not start")


def _alerts(root: Path) -> dict[str, str]:
    with sqlite3.connect(root / "data" / "creator-edge.sqlite3") as db:
        rows = db.execute(
            "SELECT source, status FROM alert_instances WHERE source LIKE 'health:%' ORDER BY id"
        ).fetchall()
    return dict(rows)


def test_redis_stopped_and_started_under_a_running_server(tmp_path: Path) -> None:
    port = free_port()
    redis = _redis(port, tmp_path)
    try:
        with (
            served(
                tmp_path,
                REDIS_URL=f"redis://127.0.0.1:{port}/0",
                CREATOR_EDGE_DEV="1",
                GITHUB_API_URL=f"http://127.0.0.1:{free_port()}",
            ) as server,
            httpx.Client(base_url=server.base_url, timeout=20) as client,
        ):
            signed = sign_up(client, "watcher")
            statuses = [client.get("/__scheduled", params={"cron": FIVE}).status_code]
            assert "health:kv" not in _alerts(tmp_path)

            redis.terminate()
            redis.wait(timeout=10)
            health = client.get("/api/health")
            statuses.append(health.status_code)
            assert {"kv", "rate_limit_counter"} <= set(health.json()["down"])
            assert health.json()["dependencies"]["rate_limit_counter"]["fallback"] is True
            statuses += [
                client.get("/api/me", headers=signed["auth"]).status_code,
                client.post(
                    "/api/monitoring/vitals",
                    json={"page": "/", "metrics": [{"name": "LCP", "value": 1}]},
                ).status_code,
                client.get("/api/monitoring/errors", headers=signed["auth"]).status_code,
                client.get("/__scheduled", params={"cron": FIVE}).status_code,
            ]
            opened = _alerts(tmp_path)
            assert opened["health:kv"] == "active"
            assert opened["health:rate_limit_counter"] == "active"
            recorded = client.get("/api/health").json()["recorded"]
            assert recorded["kv"]["status"] == "down"

            redis = _redis(port, tmp_path)
            time.sleep(RETRY_AFTER + 0.5)  # the fallbacks leave Redis alone that long
            statuses.append(client.get("/api/health").status_code)
            statuses.append(client.get("/__scheduled", params={"cron": FIVE}).status_code)
            back = _alerts(tmp_path)
            assert back["health:kv"] == "resolved"
            assert back["health:rate_limit_counter"] == "resolved"
            assert client.get("/api/health").json()["down"] == []
            assert all(s < 500 for s in statuses), statuses
    finally:
        if redis.poll() is None:
            redis.terminate()
            redis.wait(timeout=10)
