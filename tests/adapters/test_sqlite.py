"""What only the local SQLite adapter promises: its setup, its thread, its D1 checks."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from core.adapters.sqlite import SQLiteDatabase, check_d1_statement, leading_keyword, split_script
from core.ports import D1LimitError, DatabaseError, IntegrityError, Statement


@pytest.fixture
async def db(tmp_path: Path):
    database = SQLiteDatabase(tmp_path / "d1.sqlite3")
    yield database
    await database.close()


async def test_wal_mode_and_foreign_keys_are_on(db) -> None:
    await db.run("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    conn = sqlite3.connect(db.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()
    # PRAGMA is refused to application SQL, but the table-valued form reads settings.
    assert await db.first("SELECT foreign_keys FROM pragma_foreign_keys") == {"foreign_keys": 1}


async def test_two_hundred_concurrent_inserts_all_land(db) -> None:
    await db.run("CREATE TABLE hits (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    results = await asyncio.gather(
        *(db.run("INSERT INTO hits (n) VALUES (?)", n) for n in range(200)),
        *(db.all("SELECT count(*) AS c FROM hits") for _ in range(50)),
    )
    ids = [r.last_row_id for r in results[:200]]
    assert sorted(ids) == list(range(1, 201))
    assert await db.first("SELECT count(*) AS c, sum(n) AS s FROM hits") == {
        "c": 200,
        "s": sum(range(200)),
    }


async def test_a_slow_statement_does_not_block_the_event_loop(db) -> None:
    slow = db.first(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) "
        "SELECT count(*) AS c FROM n"
    )
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while not task.done():
            ticks += 1
            await asyncio.sleep(0.005)

    started = time.perf_counter()
    task = asyncio.ensure_future(slow)
    await asyncio.gather(task, tick())
    assert task.result() == {"c": 3_000_000}
    assert ticks >= (time.perf_counter() - started) / 0.005 / 4


@pytest.mark.parametrize(
    "sql",
    ["SELECT 1; SELECT 2", "INSERT INTO t VALUES (1); DROP TABLE t", "SELECT 1;;"],
)
async def test_one_statement_per_call(db, sql) -> None:
    with pytest.raises(D1LimitError, match="one statement"):
        await db.all(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1;",
        "SELECT 1; -- trailing comment",
        "SELECT 'a;b' AS s",
        'SELECT 1 AS ";"',
        "SELECT 1 /* ; */",
        "INSERT OR ROLLBACK INTO t VALUES (1)",
        "SELECT CASE WHEN 1 THEN 2 END AS x",
    ],
)
def test_legitimate_sql_passes_the_checks(sql) -> None:
    check_d1_statement(sql, ())


def test_the_parameter_error_says_how_to_bulk_insert() -> None:
    with pytest.raises(D1LimitError) as raised:
        check_d1_statement("SELECT 1", (1,) * 101)
    assert str(raised.value) == (
        "statement binds 101 parameters; D1 allows at most 100 "
        "(pass bulk rows as one JSON parameter through json_each)"
    )


def test_statements_longer_than_d1_allows_are_refused() -> None:
    with pytest.raises(D1LimitError, match="100000 bytes"):
        check_d1_statement("SELECT '" + "x" * 100_000 + "'", ())


def test_leading_keyword_skips_comments() -> None:
    assert leading_keyword("-- x\n /* y */ pragma foo") == "PRAGMA"
    assert leading_keyword("   ") == ""


async def test_errors_map_to_the_port_errors(db) -> None:
    await db.run("CREATE TABLE u (v TEXT UNIQUE)")
    await db.run("INSERT INTO u VALUES ('a')")
    with pytest.raises(IntegrityError, match="UNIQUE"):
        await db.run("INSERT INTO u VALUES ('a')")
    with pytest.raises(DatabaseError, match="no such table"):
        await db.run("INSERT INTO nowhere VALUES (1)")
    with pytest.raises(DatabaseError):  # wrong number of parameters
        await db.run("INSERT INTO u VALUES (?)")
    with pytest.raises(DatabaseError):  # beyond 64 bits
        await db.run("INSERT INTO u VALUES (?)", 2**64)


def test_split_script_keeps_triggers_literals_and_drops_empties() -> None:
    script = """
    -- leading comment;
    CREATE TABLE a (x TEXT DEFAULT 'semi;colon');
    ;
    CREATE TRIGGER a_ai AFTER INSERT ON a BEGIN
        UPDATE a SET x = 'y;' WHERE rowid = new.rowid;
    END;
    INSERT INTO a (x) VALUES ('last')
    """
    statements = split_script(script)
    assert len(statements) == 3
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
    assert statements[2] == "INSERT INTO a (x) VALUES ('last')"


async def test_migrations_are_recorded_like_wrangler_and_atomic(db) -> None:
    assert await db.applied_migrations() == []
    await db.apply_migration("CREATE TABLE one (id INTEGER PRIMARY KEY);", "0001_one.sql")
    with pytest.raises(DatabaseError, match=r"0002_two\.sql"):
        await db.apply_migration(
            "CREATE TABLE two (id INTEGER PRIMARY KEY); INSERT INTO nowhere VALUES (1);",
            "0002_two.sql",
        )
    assert await db.applied_migrations() == ["0001_one.sql"]
    assert await db.first("SELECT name FROM sqlite_master WHERE name = 'two'") is None
    with pytest.raises(D1LimitError, match="BEGIN"):
        await db.apply_migration("BEGIN; CREATE TABLE three (id INTEGER); COMMIT;", "0003.sql")
    row = await db.first("SELECT id, name, applied_at FROM d1_migrations")
    assert row is not None and row["id"] == 1 and row["applied_at"]


async def test_closed_database_refuses_calls(tmp_path: Path) -> None:
    database = SQLiteDatabase(tmp_path / "c.sqlite3")
    await database.first("SELECT 1 AS one")
    await database.close()
    await database.close()
    with pytest.raises(DatabaseError, match="closed"):
        await database.first("SELECT 1 AS one")


# A write that holds the writer for a while: a few million rows from a recursive CTE.
_LONG_WRITE = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1500000)"
    " INSERT INTO big (x) SELECT x FROM n"
)


async def test_reads_do_not_queue_behind_a_long_write(db) -> None:
    await db.run("CREATE TABLE big (x INTEGER NOT NULL)")
    await db.run("INSERT INTO big (x) VALUES (0)")
    order: list[str] = []

    async def write() -> None:
        await db.batch([Statement(_LONG_WRITE)])
        order.append("write")

    async def reads() -> list[dict]:
        await asyncio.sleep(0.05)  # the batch is on the writer by now
        seen = [await db.first("SELECT count(*) AS c FROM big") for _ in range(5)]
        order.append("reads")
        return seen

    _, seen = await asyncio.gather(write(), reads())
    # The reads ran beside the write, on the snapshot before it: they never waited for it.
    assert order == ["reads", "write"]
    assert seen == [{"c": 1}] * 5
    assert await db.first("SELECT count(*) AS c FROM big") == {"c": 1500001}


async def test_a_read_sees_every_write_that_returned(db) -> None:
    await db.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    for n in range(50):
        await db.run("INSERT INTO t (v) VALUES (?)", str(n))
        assert await db.first("SELECT count(*) AS c FROM t") == {"c": n + 1}


async def test_a_writing_statement_that_reads_like_a_read_still_writes(db) -> None:
    await db.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    rows = await db.all(
        "WITH v(x) AS (VALUES ('a'), ('b')) INSERT INTO t (v) SELECT x FROM v RETURNING v"
    )
    assert sorted(r["v"] for r in rows) == ["a", "b"]
    assert await db.first("SELECT count(*) AS c FROM t") == {"c": 2}


async def test_read_connections_cannot_write(db) -> None:
    await db.run("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    assert await db.first("SELECT count(*) AS c FROM t") == {"c": 0}
    conn = db._read_pool.get_nowait()
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("INSERT INTO t (id) VALUES (1)")
    finally:
        db._read_pool.put(conn)
