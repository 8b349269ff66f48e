"""Local backups (issue 15): a snapshot taken while writes go on restores to a
database that passes ``PRAGMA integrity_check`` and holds every row written before
the backup began; restore refuses a data dir that is not empty; retention prunes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core.local import DATABASE_FILE, LocalRuntime, load_settings
from core.local_backup import RestoreRefused, backup, restore
from tests.conftest import make_client, register

ROOT = Path(__file__).resolve().parents[2]


class Writer(threading.Thread):
    """Inserts job_runs rows through its own connection, as fast as it can."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.committed = 0
        self.stop = threading.Event()

    def run(self) -> None:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA busy_timeout = 10000")
        n = 0
        while not self.stop.is_set():
            db.execute(
                "INSERT INTO job_runs (id, job, cron, started_at, outcome)"
                " VALUES (?, 'w', 'c', ?, 'success')",
                (f"w{n:08d}", "2026-01-01T00:00:00Z"),
            )
            db.commit()
            n += 1
            self.committed = n
        db.close()


async def test_a_backup_during_writes_restores_whole(app, runtime, settings, tmp_path) -> None:
    async with make_client(app) as client:
        await register(client, "alice")
    await runtime.ports().blobs.put("u/x/a.txt", b"hello", content_type="text/plain")
    writer = Writer(runtime.database.path)
    writer.start()
    try:
        while writer.committed < 200:
            time.sleep(0.01)
        before = writer.committed
        report = await backup(runtime, settings, tmp_path / "backups")
        during = writer.committed
    finally:
        writer.stop.set()
        writer.join()
    assert during > before  # the writes went on while the snapshot was taken
    snapshot = Path(report.snapshot)
    manifest = json.loads((snapshot / "manifest.json").read_text())
    assert manifest["blobs"] == [
        {"key": "u/x/a.txt", "size": 5, "etag": manifest["blobs"][0]["etag"]}
    ]
    assert report.compressed_bytes < report.database_bytes

    restored = await restore(snapshot, tmp_path / "restored")
    assert restored.integrity == "ok"
    db = sqlite3.connect(tmp_path / "restored" / DATABASE_FILE)
    ids = {r[0] for r in db.execute("SELECT id FROM job_runs WHERE job = 'w'")}
    assert {f"w{n:08d}" for n in range(before)} <= ids
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()

    # The restored data dir serves the same account: the secrets came along.
    again = load_settings(
        {}, data_dir=tmp_path / "restored", dev=True, run_cron=False, password_iterations=1000
    )
    other = LocalRuntime(again, run_scheduler=False)
    await other.startup()
    try:
        from core.app import create_app

        async with make_client(create_app(again, other)) as client:
            login = await client.post(
                "/api/auth/login",
                json={"email": "alice@example.com", "password": "correct horse battery"},
            )
            assert login.status_code == 200, login.text
    finally:
        await other.shutdown()


async def test_restore_goes_only_into_an_empty_data_dir(runtime, settings, tmp_path) -> None:
    report = await backup(runtime, settings, tmp_path / "b")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "something").write_text("x")
    with pytest.raises(RestoreRefused, match="not empty"):
        await restore(Path(report.snapshot), busy)
    with pytest.raises(RestoreRefused, match="not a snapshot"):
        await restore(tmp_path, tmp_path / "empty")


async def test_old_snapshots_are_pruned(runtime, settings, tmp_path, clock) -> None:
    first = await backup(runtime, settings, tmp_path / "b")
    clock.advance(settings.backup_retention_days * 86400 + 60)
    second = await backup(runtime, settings, tmp_path / "b")
    assert second.removed == [Path(first.snapshot).name]
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [Path(second.snapshot).name]


def test_the_command_line_backs_up_and_restores(tmp_path) -> None:
    env = {**os.environ, "CREATOR_EDGE_DATA_DIR": str(tmp_path / "data")}
    env.pop("REDIS_URL", None)

    def run(*args: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-m", "core", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    made = run("backup", "--to", str(tmp_path / "b"))
    back = run("restore", made["snapshot"], "--into", str(tmp_path / "fresh"))
    assert back["integrity"] == "ok" and back["rows"] == made["rows"]


def test_the_restored_file_is_where_the_runtime_looks() -> None:
    from core import local_backup

    assert local_backup.runtime_database_file == DATABASE_FILE
