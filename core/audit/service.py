"""Record and read audit entries. Features call ``AuditLog.record`` for every
sensitive action, or put ``AuditLog.statement`` in the batch of the change it
describes so both stand or fall together."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from core.clock import iso
from core.ids import new_id
from core.ports import Clock, Database, Row, Statement, stmt

Status = Literal["success", "denied", "error"]
_UA_MAX = 256
# Fields an entry's before and after never show: secrets, and personal data
# (an audit entry outlives an erasure, anonymised, and must not keep an address).
MASKED = frozenset({"password", "password_hash", "email", "email_index", "current_password"})
MASK = "[masked]"
ANONYMISE_CHUNK = 1000


def changes(
    before: Mapping[str, Any], after: Mapping[str, Any], *, masked: frozenset[str] = MASKED
) -> dict[str, dict[str, Any]]:
    """``{"before": {...}, "after": {...}}`` of the fields ``after`` changes, secrets and
    personal data shown as ``[masked]`` (that they changed is kept, not what to)."""
    out: dict[str, dict[str, Any]] = {"before": {}, "after": {}}
    for field, value in after.items():
        old = before.get(field)
        if old == value:
            continue
        out["before"][field] = MASK if field in masked and old is not None else old
        out["after"][field] = MASK if field in masked and value is not None else value
    return out


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: str
    action: str
    status: str
    user_id: str | None
    resource: str | None
    details: Any
    request_id: str | None
    created_at: str

    @classmethod
    def from_row(cls, row: Row) -> AuditEntry:
        return cls(
            id=row["id"],
            action=row["action"],
            status=row["status"],
            user_id=row["user_id"],
            resource=row["resource"],
            details=json.loads(row["details"]) if row["details"] else None,
            request_id=row["request_id"],
            created_at=row["created_at"],
        )


class AuditLog:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def statement(
        self,
        action: str,
        *,
        status: Status = "success",
        user_id: str | None = None,
        resource: str | None = None,
        details: Any = None,
        ip_hash: str | None = None,
        user_agent: str | None = None,
        request_id: str | None = None,
    ) -> Statement:
        """The INSERT for one entry, to run alone or inside a feature's batch."""
        now = self._clock.now()
        return stmt(
            "INSERT INTO audit_log (id, user_id, ip_hash, user_agent, action, resource, status,"
            " details, request_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            new_id(now),
            user_id,
            ip_hash,
            user_agent[:_UA_MAX] if user_agent else None,
            action,
            resource,
            status,
            json.dumps(details, separators=(",", ":"), default=str)
            if details is not None
            else None,
            request_id,
            iso(now),
        )

    async def record(self, action: str, **fields: Any) -> None:
        """Write one entry now."""
        statement = self.statement(action, **fields)
        await self._db.run(statement.sql, *statement.params)

    async def list(
        self,
        *,
        user_id: str | None = None,
        action: str | None = None,
        status: str | None = None,
        since: str | None = None,
        until: str | None = None,
        before_id: str | None = None,
        limit: int = 50,
    ) -> list[AuditEntry]:
        """Entries newest first, filtered; page with ``before_id`` (the last id seen)."""
        clauses, params = [], []
        for column, value in (("user_id", user_id), ("action", action), ("status", status)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            clauses.append("created_at >= ?")
            params.append(since)
        if until is not None:
            clauses.append("created_at < ?")
            params.append(until)
        if before_id is not None:
            clauses.append("id < ?")
            params.append(before_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self._db.all(
            f"SELECT * FROM audit_log {where} ORDER BY id DESC LIMIT ?",  # noqa: S608 (fixed columns)
            *params,
            limit,
        )
        return [AuditEntry.from_row(row) for row in rows]

    async def anonymise_in_chunks(self, user_id: str, chunk: int | None = None) -> int:
        """Forget who acted in the user's entries, at most ``chunk`` a statement (a user
        of years has many): each a short write, before the erasure's own batch, whose
        ``anonymise_statement`` then covers only what came in meanwhile."""
        chunk = chunk or ANONYMISE_CHUNK
        done = 0
        while True:
            result = await self._db.run(
                "UPDATE audit_log SET user_id = NULL, ip_hash = NULL, user_agent = NULL"
                " WHERE id IN (SELECT id FROM audit_log WHERE user_id = ? LIMIT ?)",
                user_id,
                chunk,
            )
            done += result.changes
            if result.changes < chunk:
                return done

    def anonymise_statement(self, user_id: str) -> Statement:
        """Erasure keeps the entries but forgets who acted."""
        return stmt(
            "UPDATE audit_log SET user_id = NULL, ip_hash = NULL, user_agent = NULL"
            " WHERE user_id = ?",
            user_id,
        )
