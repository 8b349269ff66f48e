"""The command line, run as a person would: real processes, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx

from tests.served import free_port

ROOT = Path(__file__).resolve().parent.parent


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREATOR_EDGE_")}
    env.pop("REDIS_URL", None)
    env.update({"CREATOR_EDGE_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT), **extra})
    return env


def wait_until_serving(url: str, proc: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "server exited"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


def test_migrate_then_cron(tmp_path: Path) -> None:
    env = env_for(tmp_path / "data")
    migrated = subprocess.run(
        [sys.executable, "-m", "core", "migrate"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "0001_foundation.sql" in json.loads(migrated.stdout)["applied"]
    again = subprocess.run(
        [sys.executable, "-m", "core", "migrate"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(again.stdout)["applied"] == []
    cron = subprocess.run(
        [sys.executable, "-m", "core", "cron", "*/5 * * * *"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(cron.stdout)["jobs"][0]["outcome"] == "success"
    unknown = subprocess.run(
        [sys.executable, "-m", "core", "cron", "* * * * *"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unknown.returncode == 2 and "*/5 * * * *" in unknown.stderr


def test_serve_answers_health_with_security_headers(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "core", "serve", "--port", str(port)],
        env=env_for(tmp_path / "data"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/api/health", proc)
        response = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5)
        assert response.json()["dependencies"]["database"]["status"] == "ok"
        assert "preload" in response.headers["strict-transport-security"]
        assert (tmp_path / "data" / "creator-edge.sqlite3").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "127.0.0.1:" not in stderr.replace(f"http://127.0.0.1:{port}", "")  # no client address
    # The access line, written by the log's own thread, is all there by the exit.
    access = [line for line in stderr.splitlines() if "creator_edge.access" in line]
    assert any(" GET /api/health 200 " in line and "[request_id=" in line for line in access)


SLOW_SERVER = textwrap.dedent("""
    import asyncio, pathlib, sys
    from fastapi import APIRouter, Depends
    from core import deps
    from core.cli import serve_app
    from core.local import create_local_app, load_settings

    settings = load_settings()
    app = create_local_app(settings)
    router = APIRouter()

    @router.post("/api/slow-work")
    async def slow(ports=Depends(deps.ports)):
        async def work():
            await asyncio.sleep(float(sys.argv[3]))
            pathlib.Path(sys.argv[2]).write_text("finished")
        ports.defer(work())
        return {"deferred": True}

    app.include_router(router)
    serve_app(app, settings, "127.0.0.1", int(sys.argv[1]))
""")


def run_slow_server(tmp_path: Path, seconds: float, grace: str) -> tuple[Path, float, str, int]:
    port, marker = free_port(), tmp_path / "marker"
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_SERVER, str(port), str(marker), str(seconds)],
        env=env_for(tmp_path / "data", CREATOR_EDGE_SHUTDOWN_GRACE=grace),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_until_serving(f"http://127.0.0.1:{port}/api/health", proc)
    assert httpx.post(f"http://127.0.0.1:{port}/api/slow-work", timeout=5).status_code == 200
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
    _, stderr = proc.communicate(timeout=60)
    return marker, time.monotonic() - t0, stderr, proc.returncode


def test_ctrl_c_waits_for_deferred_work(tmp_path: Path) -> None:
    marker, took, _, code = run_slow_server(tmp_path, seconds=1.5, grace="10")
    assert code == 0
    assert marker.read_text() == "finished"
    assert took >= 1.0


def test_ctrl_c_waits_only_within_the_bound(tmp_path: Path) -> None:
    marker, took, stderr, _ = run_slow_server(tmp_path, seconds=60, grace="1")
    assert not marker.exists()
    assert took < 15
    assert "did not finish in time" in stderr


def test_set_role_makes_the_first_admin(tmp_path: Path) -> None:
    import asyncio

    from core.app import create_app
    from core.local import LocalRuntime, load_settings
    from tests.conftest import make_client, register

    data = tmp_path / "data"
    settings = load_settings({}, data_dir=data, run_cron=False, password_iterations=1000)

    async def sign_up() -> None:
        runtime = LocalRuntime(settings, run_scheduler=False)
        await runtime.startup()
        async with make_client(create_app(settings, runtime)) as client:
            await register(client, "alice")
        await runtime.shutdown()

    asyncio.run(sign_up())
    done = subprocess.run(
        [sys.executable, "-m", "core", "set-role", "alice", "admin"],
        env=env_for(data),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout) == {"user": "alice", "role": "admin"}
    missing = subprocess.run(
        [sys.executable, "-m", "core", "set-role", "nobody", "admin"],
        env=env_for(data),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1


def test_help_reads_as_plain_text_with_examples(tmp_path) -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "core", "--help"],
        env=env_for(tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert "``" not in shown and "`" not in shown
    assert shown.startswith("usage: python -m core [-h] COMMAND ...")
    for command in ("serve", "migrate", "cron", "set-role"):
        assert f"python -m core {command}" in shown
