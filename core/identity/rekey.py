"""Re-encryption of personal data: every sealed value moved to the current key, and
values written before encryption (plain, or without a blind index) sealed and
indexed, in bounded chunks, each one batch. A row changed meanwhile is left for
the next run (its UPDATE matches the value it read, or nothing)."""

from __future__ import annotations

from dataclasses import dataclass

from core.identity import oauth_repo
from core.identity.pii import Pii, email_aad
from core.jobs.dispatcher import JobContext
from core.ports import Database, Statement, stmt

CHUNK = 200
MAX_CHUNKS = 25  # a daily run moves at most 5,000 rows of each column


@dataclass(slots=True)
class RekeyReport:
    examined: int = 0
    rewritten: int = 0
    lost: int = 0  # changed by someone else between read and write: next run


@dataclass(frozen=True, slots=True)
class _Column:
    table: str
    aad: object  # (row id) -> associated data
    index: bool  # has an ``email_index`` column to fill


_COLUMNS = (
    _Column("users", email_aad, True),
    _Column("oauth_identities", oauth_repo.email_aad, False),
)


async def _chunk(
    db: Database, pii: Pii, column: _Column, after: str
) -> tuple[list[Statement], str | None, int]:
    current = f"e1.{pii.keys.current}.%"
    missing_index = " OR email_index IS NULL" if column.index else ""
    rows = await db.all(
        f"SELECT id, email FROM {column.table} WHERE id > ? AND email IS NOT NULL"  # noqa: S608
        f" AND (email NOT LIKE ?{missing_index}) ORDER BY id LIMIT ?",
        after,
        current,
        CHUNK,
    )
    statements = []
    for row in rows:
        aad = column.aad(row["id"])  # type: ignore[operator]
        plain = await pii.open(row["email"], aad)
        sealed = row["email"] if pii.current(row["email"]) else await pii.seal(plain, aad)
        if column.index:
            statements.append(
                stmt(
                    "UPDATE users SET email = ?, email_index = ? WHERE id = ? AND email = ?",
                    sealed,
                    pii.index(plain),
                    row["id"],
                    row["email"],
                )
            )
        else:
            statements.append(
                stmt(
                    f"UPDATE {column.table} SET email = ? WHERE id = ? AND email = ?",  # noqa: S608
                    sealed,
                    row["id"],
                    row["email"],
                )
            )
    last = rows[-1]["id"] if len(rows) == CHUNK else None
    return statements, last, len(rows)


async def reencrypt(db: Database, pii: Pii, *, max_chunks: int = MAX_CHUNKS) -> RekeyReport:
    """Move up to ``max_chunks`` chunks of each personal column to the current key."""
    report = RekeyReport()
    for column in _COLUMNS:
        after: str | None = ""
        for _ in range(max_chunks):
            if after is None:
                break
            statements, after, examined = await _chunk(db, pii, column, after)
            report.examined += examined
            if statements:
                results = await db.batch(statements)
                done = sum(r.changes for r in results)
                report.rewritten += done
                report.lost += len(statements) - done
    return report


async def reencrypt_job(ctx: JobContext) -> None:
    """The daily cron's share of a key rotation (and of rows from before encryption)."""
    from core.identity.pii import pii_of

    await reencrypt(ctx.ports.db, pii_of(ctx.ports.cipher, ctx.settings))
