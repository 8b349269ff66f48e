"""Migrations: in order, once, each recorded as wrangler does; a failed one leaves nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core.adapters.sqlite import SQLiteDatabase
from core.migrations import MIGRATIONS_DIR, discover, migrate


@pytest.fixture
async def db(tmp_path: Path):
    database = SQLiteDatabase(tmp_path / "m.sqlite3")
    yield database
    await database.close()


def write(directory: Path, name: str, sql: str) -> None:
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(sql)


async def test_product_migrations_apply_once_in_order(db) -> None:
    names = [m.name for m in discover()]
    assert names == sorted(names) and names[0] == "0001_foundation.sql"
    assert await migrate(db) == names
    assert await migrate(db) == []
    rows = await db.all("SELECT id, name, applied_at FROM d1_migrations ORDER BY id")
    assert [r["name"] for r in rows] == names
    assert all(r["applied_at"] for r in rows)
    tables = {r["name"] for r in await db.all("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"audit_log", "rate_limit_records", "job_runs", "job_leases"} <= tables


async def test_migrations_table_has_wranglers_shape(db) -> None:
    await migrate(db)
    row = await db.first("SELECT sql FROM sqlite_master WHERE name = 'd1_migrations'")
    ddl = " ".join(row["sql"].split())
    assert "id INTEGER PRIMARY KEY AUTOINCREMENT" in ddl
    assert "name TEXT UNIQUE" in ddl
    assert "applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL" in ddl


async def test_a_failed_migration_leaves_nothing_half_applied(db, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    write(folder, "0001_one.sql", "CREATE TABLE one (id INTEGER PRIMARY KEY);")
    write(
        folder,
        "0002_two.sql",
        "CREATE TABLE two (id INTEGER PRIMARY KEY);\n"
        "INSERT INTO two (id) VALUES (1);\n"
        "INSERT INTO nowhere (id) VALUES (1);\n",
    )
    write(folder, "0003_three.sql", "CREATE TABLE three (id INTEGER);")
    with pytest.raises(Exception, match="nowhere"):
        await migrate(db, folder)
    tables = {r["name"] for r in await db.all("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "one" in tables and "two" not in tables and "three" not in tables
    assert [r["name"] for r in await db.all("SELECT name FROM d1_migrations")] == ["0001_one.sql"]

    write(folder, "0002_two.sql", "CREATE TABLE two (id INTEGER PRIMARY KEY);")
    assert await migrate(db, folder) == ["0002_two.sql", "0003_three.sql"]


def test_misnamed_files_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "1_bad.sql", "SELECT 1;")
    with pytest.raises(ValueError, match=r"NNNN_name\.sql"):
        discover(tmp_path)


def test_every_product_migration_is_d1_safe() -> None:
    """No transaction control or PRAGMA in migration files: wrangler wraps them itself."""
    for path in MIGRATIONS_DIR.glob("*.sql"):
        conn = sqlite3.connect(":memory:")
        statements = [s for s in _split(path.read_text()) if s]
        for statement in statements:
            keyword = statement.lstrip().split(None, 1)[0].upper()
            assert keyword not in {"BEGIN", "COMMIT", "PRAGMA", "ATTACH", "SAVEPOINT"}, path.name
        conn.close()


def _split(script: str) -> list[str]:
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return out
