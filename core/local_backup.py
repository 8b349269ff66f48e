"""Local backups: ``python -m core backup`` and the daily cron write a snapshot,
``python -m core restore`` brings one back into an empty data dir.

A snapshot is a folder ``snapshot-<UTC time>/`` holding

- ``database.sqlite3.gz``: SQLite's online backup of the database, gzip-compressed.
  The copy is one step (``pages=-1``) over a read transaction, so it is the database
  as it was when the backup began, and writers carry on meanwhile (WAL mode: a
  reader blocks no writer). Stepping a few pages at a time would restart on every
  write from another connection, and under steady writes never end.
- ``secrets.json``: the data dir's generated secrets (the token key, from which the
  PII and audit keys derive): without them, a restored database's emails do not
  open and its audit chain does not verify. Keep snapshots as safe as the data dir.
- ``manifest.json``: when, the file's size and SHA-256, the row count of every
  table, and the blob store's listing (key, size, ETag): what the snapshot expects
  of the blobs, which are not copied (the blob folder is backed up as files).

At the edge there is none of this: D1 Time Travel and ``wrangler d1 export`` to R2
(docs/deploy.md)."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.clock import iso

if TYPE_CHECKING:
    from core.local import LocalRuntime
    from core.settings import Settings

PREFIX = "snapshot-"
# core.local.DATABASE_FILE (not imported: core.local calls this module)
runtime_database_file = "creator-edge.sqlite3"
DB_NAME = "database.sqlite3.gz"
STAMP = "%Y%m%dT%H%M%SZ"
_COPY = 1 << 20


@dataclass(frozen=True, slots=True)
class BackupReport:
    snapshot: str
    database_bytes: int
    compressed_bytes: int
    tables: int
    rows: int
    blobs: int
    seconds: float
    removed: list[str]


@dataclass(frozen=True, slots=True)
class RestoreReport:
    data_dir: str
    database_bytes: int
    integrity: str
    rows: int
    seconds: float


def backup_root(settings: Settings) -> Path:
    return Path(settings.backup_dir) if settings.backup_dir else Path(settings.data_dir) / "backups"


def _online_copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: one step, one consistent read
    finally:
        dst.close()
        src.close()


def _compress(source: Path, target: Path) -> str:
    digest = hashlib.sha256()
    with source.open("rb") as raw, gzip.open(target, "wb", compresslevel=3) as packed:
        while chunk := raw.read(_COPY):
            digest.update(chunk)
            packed.write(chunk)
    return digest.hexdigest()


def _counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY name"
            )
        ]
        return {n: db.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}  # noqa: S608
    finally:
        db.close()


def _snapshot(database: Path, folder: Path) -> tuple[int, int, str, dict[str, int]]:
    raw = folder / "database.sqlite3.partial"
    _online_copy(database, raw)
    counts = _counts(raw)
    digest = _compress(raw, folder / DB_NAME)
    size = raw.stat().st_size
    raw.unlink()
    return size, (folder / DB_NAME).stat().st_size, digest, counts


async def _blob_listing(runtime: LocalRuntime) -> list[dict[str, Any]]:
    blobs = runtime.ports().blobs
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await blobs.list("", cursor=cursor)
        out.extend({"key": m.key, "size": m.size, "etag": m.etag} for m in page.items)
        cursor = page.cursor
        if cursor is None:
            return out


def _expired(root: Path, keep_days: int, now: float) -> list[Path]:
    old = []
    for path in root.glob(PREFIX + "*"):
        try:
            made = datetime.strptime(path.name.removeprefix(PREFIX), STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue
        if now - made.timestamp() > keep_days * 86400:
            old.append(path)
    return sorted(old)


async def backup(
    runtime: LocalRuntime, settings: Settings, target: Path | None = None
) -> BackupReport:
    """Write a snapshot under ``target`` (default: the backup dir), then drop
    snapshots there older than the retention."""
    started = time.perf_counter()
    now = runtime.ports().clock.now()
    root = target or backup_root(settings)
    folder = root / (PREFIX + datetime.fromtimestamp(now, UTC).strftime(STAMP))
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    size, packed, digest, counts = await asyncio.to_thread(
        _snapshot, runtime.database.path, partial
    )
    blobs = await _blob_listing(runtime)
    secrets = Path(settings.data_dir) / "secrets.json"
    if secrets.exists():
        shutil.copy2(secrets, partial / "secrets.json")
        (partial / "secrets.json").chmod(0o600)
    manifest = {
        "format": 1,
        "created_at": iso(now),
        "database": {"file": DB_NAME, "bytes": size, "sha256": digest, "rows": counts},
        "blobs": blobs,
    }
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=1))
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)  # a snapshot is there whole, or not at all
    removed = _expired(root, settings.backup_retention_days, now)
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return BackupReport(
        snapshot=str(folder),
        database_bytes=size,
        compressed_bytes=packed,
        tables=len(counts),
        rows=sum(counts.values()),
        blobs=len(blobs),
        seconds=round(time.perf_counter() - started, 3),
        removed=[p.name for p in removed],
    )


class RestoreRefused(Exception):
    """The data dir is not empty, or the snapshot is not whole."""


def _restore(snapshot: Path, into: Path) -> tuple[int, str, int]:
    if not (snapshot / "manifest.json").exists():
        raise RestoreRefused(f"{snapshot} is not a snapshot (no manifest.json)")
    if into.exists() and any(into.iterdir()):
        raise RestoreRefused(f"{into} is not empty: restore goes into an empty data dir")
    manifest = json.loads((snapshot / "manifest.json").read_text())
    into.mkdir(parents=True, exist_ok=True)
    target = into / runtime_database_file
    partial = into / (runtime_database_file + ".partial")
    digest = hashlib.sha256()
    with (
        gzip.open(snapshot / manifest["database"]["file"], "rb") as packed,
        partial.open("wb") as raw,
    ):
        while chunk := packed.read(_COPY):
            digest.update(chunk)
            raw.write(chunk)
    if digest.hexdigest() != manifest["database"]["sha256"]:
        partial.unlink()
        raise RestoreRefused("the snapshot's database does not match its manifest")
    db = sqlite3.connect(partial)
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()
    if integrity != "ok":
        partial.unlink()
        raise RestoreRefused(f"the snapshot's database fails its integrity check: {integrity}")
    partial.rename(target)
    if (snapshot / "secrets.json").exists():
        shutil.copy2(snapshot / "secrets.json", into / "secrets.json")
        (into / "secrets.json").chmod(0o600)
    return target.stat().st_size, integrity, sum(_counts(target).values())


async def restore(snapshot: Path, into: Path) -> RestoreReport:
    """Bring ``snapshot`` back into ``into``, which must be empty (or absent)."""
    started = time.perf_counter()
    size, integrity, rows = await asyncio.to_thread(_restore, snapshot, into)
    return RestoreReport(str(into), size, integrity, rows, round(time.perf_counter() - started, 3))


async def daily_backup(runtime: LocalRuntime) -> None:
    """The local runtime's daily snapshot (its scheduler calls this after the daily cron)."""
    import logging

    report = await backup(runtime, runtime.settings)
    logging.getLogger("creator_edge.backup").info(
        "backup: %s (%d bytes, %d rows, %.1f s)",
        report.snapshot,
        report.compressed_bytes,
        report.rows,
        report.seconds,
    )
