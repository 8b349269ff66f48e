"""The ``Database`` contract: D1's model, held by every adapter."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.ports import (
    MAX_BOUND_PARAMETERS,
    D1LimitError,
    DatabaseError,
    IntegrityError,
    RunResult,
    stmt,
)

# The largest integer D1 binds exactly: its API takes JS numbers, not BigInt.
SAFE = 2**53 - 1

PEOPLE = """CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    age INTEGER
)"""


@pytest.fixture
async def db(database):
    await database.adapter.run(PEOPLE)
    return database.adapter


async def test_run_reports_changes_and_last_row_id(db) -> None:
    first = await db.run("INSERT INTO people (email, age) VALUES (?, ?)", "a@x.io", 30)
    second = await db.run("INSERT INTO people (email, age) VALUES (?, ?)", "b@x.io", 40)
    assert (first.changes, first.last_row_id) == (1, 1)
    assert (second.changes, second.last_row_id) == (1, 2)
    assert first.rows == []
    updated = await db.run("UPDATE people SET age = age + 1")
    assert updated.changes == 2
    deleted = await db.run("DELETE FROM people WHERE email = ?", "nobody@x.io")
    assert deleted.changes == 0


async def test_all_and_first_return_rows_as_dicts(db) -> None:
    await db.run("INSERT INTO people (email, age) VALUES ('a@x.io', 30), ('b@x.io', 40)")
    rows = await db.all("SELECT id, email, age FROM people ORDER BY id")
    assert rows == [
        {"id": 1, "email": "a@x.io", "age": 30},
        {"id": 2, "email": "b@x.io", "age": 40},
    ]
    assert await db.first("SELECT email FROM people WHERE age > ? ORDER BY id", 35) == {
        "email": "b@x.io"
    }
    assert await db.first("SELECT email FROM people WHERE age > 99") is None
    assert await db.all("SELECT email FROM people WHERE age > 99") == []


async def test_returning_rows_come_back_from_run(db) -> None:
    result = await db.run(
        "INSERT INTO people (email, age) VALUES ('a@x.io', 1), ('b@x.io', 2) RETURNING id, email"
    )
    assert result.changes == 2
    assert result.rows == [{"id": 1, "email": "a@x.io"}, {"id": 2, "email": "b@x.io"}]
    bumped = await db.run("UPDATE people SET age = age * 10 RETURNING age")
    assert bumped.changes == 2
    assert sorted(row["age"] for row in bumped.rows) == [10, 20]


@pytest.mark.parametrize(
    "value",
    [None, 0, -1, SAFE, -SAFE, 1.5, "", "héllo ✓ 日本 🎉", b"", b"\x00\xffbytes"],
    ids=repr,
)
async def test_edge_values_round_trip(database, value) -> None:
    db = database.adapter
    await db.run("CREATE TABLE box (id INTEGER PRIMARY KEY, v)")
    await db.run("INSERT INTO box (v) VALUES (?)", value)
    row = await db.first("SELECT v FROM box")
    assert row == {"v": value}
    assert type(row["v"]) is type(value)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    value=st.none()
    | st.integers(min_value=-SAFE, max_value=SAFE)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.binary()
)
async def test_any_value_round_trips(database, value) -> None:
    db = database.adapter
    await db.run("CREATE TABLE IF NOT EXISTS anything (id INTEGER PRIMARY KEY, v)")
    result = await db.run("INSERT INTO anything (v) VALUES (?) RETURNING id", value)
    row = await db.first("SELECT v FROM anything WHERE id = ?", result.rows[0]["id"])
    assert row == {"v": value}
    if isinstance(value, float):
        # D1 answers in JS numbers: a whole float may come back as an int.
        assert isinstance(row["v"], int | float)
    else:
        assert type(row["v"]) is type(value)


@pytest.mark.parametrize("value", [SAFE + 1, -SAFE - 1, 2**63 - 1, -(2**63)], ids=repr)
async def test_integers_d1_cannot_bind_exactly_are_refused(database, value) -> None:
    with pytest.raises(D1LimitError):
        await database.adapter.first("SELECT ? AS v", value)


async def test_a_hundred_parameters_bind_and_a_hundred_and_one_do_not(db) -> None:
    values = list(range(1, MAX_BOUND_PARAMETERS + 1))
    sql = "SELECT " + " + ".join("?" * MAX_BOUND_PARAMETERS) + " AS total"
    assert await db.first(sql, *values) == {"total": sum(values)}
    too_many = "SELECT " + " + ".join("?" * (MAX_BOUND_PARAMETERS + 1)) + " AS total"
    with pytest.raises(D1LimitError, match="100"):
        await db.first(too_many, *values, 101)
    with pytest.raises(D1LimitError, match="100"):
        await db.run(too_many, *values, 101)


@pytest.mark.parametrize(
    "sql",
    [
        "BEGIN",
        "BEGIN TRANSACTION",
        "begin immediate",
        "COMMIT",
        "ROLLBACK",
        "END TRANSACTION",
        "SAVEPOINT sp",
        "RELEASE sp",
        "ATTACH DATABASE 'other.db' AS other",
        "DETACH DATABASE other",
        "PRAGMA foreign_keys = OFF",
        "  -- a comment first\n  pragma user_version",
        "/* a comment first */ BEGIN",
    ],
)
async def test_transaction_control_attach_and_pragma_are_refused(db, sql) -> None:
    with pytest.raises(D1LimitError):
        await db.run(sql)


async def test_forbidden_words_inside_literals_are_fine(db) -> None:
    await db.run("INSERT INTO people (email) VALUES ('BEGIN; PRAGMA x; COMMIT')")
    row = await db.first('SELECT email AS "pragma" FROM people -- BEGIN\n')
    assert row == {"pragma": "BEGIN; PRAGMA x; COMMIT"}


async def test_batch_is_all_or_nothing(db) -> None:
    await db.run("INSERT INTO people (email) VALUES ('taken@x.io')")
    with pytest.raises(IntegrityError):
        await db.batch(
            [
                stmt("INSERT INTO people (email) VALUES (?)", "new1@x.io"),
                stmt("UPDATE people SET age = 99"),
                stmt("INSERT INTO people (email) VALUES (?)", "taken@x.io"),
            ]
        )
    rows = await db.all("SELECT email, age FROM people")
    assert rows == [{"email": "taken@x.io", "age": None}]


async def test_batch_returns_one_result_per_statement(db) -> None:
    results = await db.batch(
        [
            stmt("INSERT INTO people (email, age) VALUES (?, ?)", "a@x.io", 1),
            stmt("INSERT INTO people (email, age) VALUES (?, ?) RETURNING id", "b@x.io", 2),
            stmt("UPDATE people SET age = age + 1"),
        ]
    )
    assert [r.changes for r in results] == [1, 1, 2]
    assert results[0].last_row_id == 1
    assert results[1].rows == [{"id": 2}]
    assert isinstance(results[2], RunResult)


async def test_batch_checks_d1_limits_before_running_anything(db) -> None:
    with pytest.raises(D1LimitError):
        await db.batch(
            [stmt("INSERT INTO people (email) VALUES ('a@x.io')"), stmt("PRAGMA user_version")]
        )
    assert await db.all("SELECT email FROM people") == []


async def test_constraints_raise_integrity_errors(db) -> None:
    await db.run(
        "CREATE TABLE links (id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL "
        "REFERENCES people(id))"
    )
    await db.run("INSERT INTO people (email) VALUES ('a@x.io')")
    with pytest.raises(IntegrityError):
        await db.run("INSERT INTO people (email) VALUES ('a@x.io')")
    with pytest.raises(IntegrityError):
        await db.run("INSERT INTO people (email) VALUES (NULL)")
    with pytest.raises(IntegrityError):  # foreign keys are enforced, as on D1
        await db.run("INSERT INTO links (person_id) VALUES (42)")


async def test_bad_sql_raises_database_error(db) -> None:
    with pytest.raises(DatabaseError):
        await db.all("SELECT nope FROM nowhere")


async def test_bulk_insert_of_a_thousand_rows_through_one_json_parameter(db) -> None:
    people = [{"email": f"p{i}@x.io", "age": i} for i in range(1000)]
    result = await db.run(
        "INSERT INTO people (email, age) "
        "SELECT json_extract(value, '$.email'), json_extract(value, '$.age') FROM json_each(?)",
        json.dumps(people),
    )
    assert result.changes == 1000
    assert await db.first("SELECT count(*) AS n, sum(age) AS total FROM people") == {
        "n": 1000,
        "total": sum(range(1000)),
    }
