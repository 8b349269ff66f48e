"""The product served for real: ``python -m core serve`` in a subprocess on a
free port, its log kept in a file and checked for tracebacks when it stops."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    base_url: str
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def served(root: Path, *, allow_traceback: bool = False, **env: str) -> Iterator[Served]:
    """Serve the product over ``root/data`` with ``env`` on top of a clean environment.

    On exit it stops the server with Ctrl-C and fails if the log holds a traceback.
    """
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CREATOR_EDGE_")}
    clean.pop("REDIS_URL", None)
    clean.update(
        {
            "CREATOR_EDGE_DATA_DIR": str(root / "data"),
            "CREATOR_EDGE_RUN_CRON": "0",
            "CREATOR_EDGE_PASSWORD_ITERATIONS": "1000",
            "CREATOR_EDGE_SHUTDOWN_GRACE": "2",
            "PYTHONPATH": str(ROOT),
            **env,
        }
    )
    log_path = root / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "core", "serve", "--port", str(port)],
            cwd=ROOT,
            env=clean,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Served(f"http://127.0.0.1:{port}", log_path, process)
    try:
        _wait_until_serving(server)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if not allow_traceback:
        assert "Traceback" not in server.log(), server.log()[-4000:]


def sign_up(client: httpx.Client, name: str, password: str = "correct horse battery") -> dict:
    """Register ``name`` on a served product; returns the answer with its bearer header
    under ``"auth"``."""
    response = client.post(
        "/api/auth/register",
        json={"email": f"{name}@example.com", "username": name, "password": password},
    )
    assert response.status_code == 201, response.text
    signed = response.json()
    signed["auth"] = {"authorization": f"Bearer {signed['access_token']}"}
    return signed


def _wait_until_serving(server: Served, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.log()[-4000:]
        try:
            httpx.get(server.base_url + "/api/health", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("the server did not start: " + server.log()[-4000:])
