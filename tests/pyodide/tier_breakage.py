"""Breakage this tier must catch: each test breaks ``worker/d1.py`` as a plausible
slip would and checks that Miniflare's real D1 refuses what the adapter sends.

The in-process stand-ins of the bindings (tests/edge/standin.py) took the BigInt
case as fine: it was this tier that found it. If one of these tests fails, the
tier has gone blind to that class of mistake.
"""

from __future__ import annotations

import _tier  # type: ignore[import-not-found]
import pytest

from core.ports import DatabaseError
from worker import d1
from worker.bindings import D1Database


@pytest.fixture
async def db() -> D1Database:
    await _tier.reset()
    database = D1Database(_tier.env.DB)
    await database.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
    return database


async def test_none_passed_as_is_reaches_d1_as_undefined_and_is_refused(db, monkeypatch) -> None:
    right = d1._js_param
    monkeypatch.setattr(
        d1, "_js_param", lambda value, ffi: value if value is None else right(value, ffi)
    )
    with pytest.raises(DatabaseError, match="D1_TYPE_ERROR: Type 'undefined'"):
        await db.run("INSERT INTO t (v) VALUES (?)", None)


async def test_a_large_int_passed_as_is_reaches_d1_as_a_bigint_and_is_refused(
    db, monkeypatch
) -> None:
    monkeypatch.setattr(d1, "_js_param", lambda value, ffi: value)
    with pytest.raises(DatabaseError, match="D1_TYPE_ERROR: Type 'bigint'"):
        await db.run("INSERT INTO t (v) VALUES (?)", 2**53 - 1)


async def test_the_adapter_as_it_is_passes_both(db) -> None:
    await db.run("INSERT INTO t (v) VALUES (?)", None)
    await db.run("INSERT INTO t (v) VALUES (?)", 2**53 - 1)
    rows = await db.all("SELECT v, v IS NULL AS is_null FROM t ORDER BY id")
    assert rows == [{"v": None, "is_null": 1}, {"v": 2**53 - 1, "is_null": 0}]
