"""Per-owner isolation: the one query layer every owned table goes through.

D1 has no row-level security, so the guarantee lives here. Each feature
declares its owned tables (``OwnedTable`` values in its ``Feature``); every
owned table has an ``owner_id`` column. ``Owned`` takes the acting user and cannot be made
without one: every statement it builds carries ``owner_id = ?`` with that
user's id, so a row of someone else reads as missing (404, never 403).
GDPR export and erasure walk the tables the features declare, so they stay
complete as features add tables (``tests/identity/test_gdpr.py`` checks the schema).
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from core.data.actor import Actor
from core.errors import BadRequest, NotFound
from core.ports import Database, Param, Row, RunResult, Statement, stmt

Rows = list[Row]
Statements = list[Statement]
# What a cursor wraps: one of our ids (core.ids.new_id).
_CURSOR_ID = re.compile(r"^[0-9A-Z]{26}$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class OwnedTable:
    name: str
    # A noun for error messages: "profile" gives "No profile has this id."
    noun: str
    # Erasure order: lower first (children before parents when no cascade).
    erase_order: int = 100
    # False for rows derived from others (rollups): erased, but not exported.
    export: bool = True
    # Columns stored sealed (``core.identity.pii``, associated data
    # ``"<table>.<column>:<row id>"``): the export opens them.
    sealed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"bad table name {self.name!r}")


EXPORT_PAGE = 1000
ERASE_CHUNK = 5000


def _columns(values: Mapping[str, Any]) -> list[str]:
    for column in values:
        if not _NAME.match(column) or column == "owner_id":
            raise ValueError(f"bad column {column!r}")
    return list(values)


R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Page(Generic[R]):
    """One page of rows (``Row`` from ``Owned``, a repo's typed row from the repo)."""

    items: list[R]
    next_cursor: str | None


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = base64.urlsafe_b64decode(padded.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        decoded = ""
    if not _CURSOR_ID.match(decoded):
        raise BadRequest("The cursor is not one this API gave out.", code="bad_cursor")
    return decoded


class Owned:
    """Queries on owned tables, always scoped to ``actor``'s rows."""

    __slots__ = ("actor", "db")

    def __init__(self, db: Database, actor: Actor) -> None:
        if not isinstance(actor, Actor):
            raise TypeError("Owned needs the acting user")
        self.db = db
        self.actor = actor

    @property
    def owner_id(self) -> str:
        return self.actor.user_id

    async def find(self, t: OwnedTable, id: str) -> Row | None:
        return await self.db.first(
            f"SELECT * FROM {t.name} WHERE id = ? AND owner_id = ?",  # noqa: S608 (registered names)
            id,
            self.owner_id,
        )

    async def get(self, t: OwnedTable, id: str) -> Row:
        """The row, or ``NotFound`` when it does not exist or is not the actor's."""
        row = await self.find(t, id)
        if row is None:
            raise NotFound(f"No {t.noun} has this id.")
        return row

    async def list(
        self,
        t: OwnedTable,
        *,
        where: str = "",
        params: Sequence[Param] = (),
        limit: int = 50,
        cursor: str | None = None,
        newest_first: bool = True,
    ) -> Page[Row]:
        """A page of the actor's rows, ordered by id; ``where`` narrows it further."""
        after = decode_cursor(cursor)
        clauses = ["owner_id = ?"]
        args: list[Param] = [self.owner_id]
        if where:
            clauses.append(f"({where})")
            args.extend(params)
        if after is not None:
            clauses.append("id < ?" if newest_first else "id > ?")
            args.append(after)
        order = "DESC" if newest_first else "ASC"
        rows = await self.db.all(
            f"SELECT * FROM {t.name} WHERE {' AND '.join(clauses)}"  # noqa: S608
            f" ORDER BY id {order} LIMIT ?",
            *args,
            limit + 1,
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, encode_cursor(rows[-1]["id"]) if more and rows else None)

    def insert_statement(self, t: OwnedTable, values: Mapping[str, Any]) -> Statement:
        columns = [*_columns(values), "owner_id"]
        marks = ", ".join("?" for _ in columns)
        return stmt(
            f"INSERT INTO {t.name} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
            *values.values(),
            self.owner_id,
        )

    async def insert(self, t: OwnedTable, values: Mapping[str, Any]) -> None:
        statement = self.insert_statement(t, values)
        await self.db.run(statement.sql, *statement.params)

    def update_statement(
        self,
        t: OwnedTable,
        id: str,
        values: Mapping[str, Any],
        *,
        where: str = "",
        params: Sequence[Param] = (),
    ) -> Statement:
        sets = ", ".join(f"{column} = ?" for column in _columns(values))
        extra = f" AND ({where})" if where else ""
        return stmt(
            f"UPDATE {t.name} SET {sets} WHERE id = ? AND owner_id = ?{extra}",  # noqa: S608
            *values.values(),
            id,
            self.owner_id,
            *params,
        )

    async def update(
        self,
        t: OwnedTable,
        id: str,
        values: Mapping[str, Any],
        *,
        where: str = "",
        params: Sequence[Param] = (),
    ) -> RunResult:
        """Update the actor's row; ``changes`` is 0 when it is missing or ``where`` fails."""
        statement = self.update_statement(t, id, values, where=where, params=params)
        return await self.db.run(statement.sql, *statement.params)

    def delete_statement(self, t: OwnedTable, id: str) -> Statement:
        return stmt(
            f"DELETE FROM {t.name} WHERE id = ? AND owner_id = ?",  # noqa: S608
            id,
            self.owner_id,
        )

    async def delete(self, t: OwnedTable, id: str) -> None:
        """Delete the actor's row, or raise ``NotFound``."""
        statement = self.delete_statement(t, id)
        result = await self.db.run(statement.sql, *statement.params)
        if result.changes == 0:
            raise NotFound(f"No {t.noun} has this id.")

    async def export_rows(self, t: OwnedTable) -> AsyncIterator[Rows]:
        """The actor's rows of ``t`` in pages, by id: never all in memory at once."""
        after: Param = None
        while True:
            rows = await self.db.all(
                f"SELECT * FROM {t.name} WHERE owner_id = ?"  # noqa: S608 (registered name)
                " AND (?2 IS NULL OR id > ?2) ORDER BY id LIMIT ?3",
                self.owner_id,
                after,
                EXPORT_PAGE,
            )
            if rows:
                yield rows
            if len(rows) < EXPORT_PAGE:
                return
            after = rows[-1]["id"]

    async def erase_in_chunks(self, tables: Sequence[OwnedTable]) -> None:
        """Delete the actor's rows table by table in bounded chunks, so a large table
        never makes one statement outlast D1's 30 s; the final batch then removes
        whatever is left together with the account."""
        for t in sorted(tables, key=lambda t: (t.erase_order, t.name)):
            while True:
                result = await self.db.run(
                    f"DELETE FROM {t.name} WHERE id IN"  # noqa: S608 (registered name)
                    f" (SELECT id FROM {t.name} WHERE owner_id = ? LIMIT ?)",
                    self.owner_id,
                    ERASE_CHUNK,
                )
                if result.changes < ERASE_CHUNK:
                    break

    def erase_statements(self, tables: Sequence[OwnedTable]) -> Statements:
        """DELETEs of every owned row of the actor, for the erasure batch."""
        return [
            stmt(f"DELETE FROM {t.name} WHERE owner_id = ?", self.owner_id)  # noqa: S608
            for t in sorted(tables, key=lambda t: (t.erase_order, t.name))
        ]
