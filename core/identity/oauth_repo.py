"""SQL for provider identities linked to accounts (d1_migrations/0022_oauth_consent.sql)."""

from __future__ import annotations

from typing import Any, TypedDict, cast

from core.identity.pii import Pii, is_sealed
from core.ports import Database, Statement, stmt

COLUMNS = (
    "id, owner_id, provider, subject, email, email_verified, display_name, created_at, last_used_at"
)


class IdentityRow(TypedDict):
    id: str
    owner_id: str
    provider: str
    subject: str
    email: str | None
    email_verified: int
    display_name: str | None
    created_at: str
    last_used_at: str


def email_aad(identity_id: str) -> str:
    return f"oauth_identities.email:{identity_id}"


async def _plain(pii: Pii, row: Any) -> IdentityRow:
    row = dict(row)
    if row["email"] and is_sealed(row["email"]):
        row["email"] = await pii.open(row["email"], email_aad(row["id"]))
    return cast(IdentityRow, row)


async def by_subject(db: Database, pii: Pii, provider: str, subject: str) -> IdentityRow | None:
    row = await db.first(
        f"SELECT {COLUMNS} FROM oauth_identities WHERE provider = ? AND subject = ?",  # noqa: S608
        provider,
        subject,
    )
    return None if row is None else await _plain(pii, row)


async def linked_identities(db: Database, pii: Pii, owner_id: str) -> list[IdentityRow]:
    rows = await db.all(
        f"SELECT {COLUMNS} FROM oauth_identities WHERE owner_id = ? ORDER BY id",  # noqa: S608
        owner_id,
    )
    return [await _plain(pii, row) for row in rows]


async def insert_statement(pii: Pii, row: dict[str, Any]) -> Statement:
    if row.get("email"):
        row = {**row, "email": await pii.seal(row["email"], email_aad(row["id"]))}
    columns = list(row)
    return stmt(
        f"INSERT INTO oauth_identities ({', '.join(columns)})"  # noqa: S608 (fixed columns)
        f" VALUES ({', '.join('?' for _ in columns)})",
        *row.values(),
    )


def touch_statement(identity_id: str, now: str) -> Statement:
    return stmt("UPDATE oauth_identities SET last_used_at = ? WHERE id = ?", now, identity_id)


def delete_statement(owner_id: str, identity_id: str) -> Statement:
    return stmt("DELETE FROM oauth_identities WHERE id = ? AND owner_id = ?", identity_id, owner_id)


def delete_for_user_statement(owner_id: str) -> Statement:
    return stmt("DELETE FROM oauth_identities WHERE owner_id = ?", owner_id)
