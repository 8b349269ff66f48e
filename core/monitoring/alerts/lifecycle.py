"""Alert instances: listed, acknowledged and resolved, each move audited with
who made it and when. Owners move their own; admins also the platform's
built-in health alerts (no owner)."""

from __future__ import annotations

import json

from core.audit import AuditLog
from core.clock import iso
from core.data.actor import Actor
from core.data.owned import Owned, Page
from core.errors import Conflict, NotFound
from core.ids import new_id
from core.monitoring import repo
from core.monitoring.alerts.models import Alert
from core.ports import Clock, Database, Row, stmt

_MOVES = {
    "acknowledge": ("acknowledged", ("active",)),
    "resolve": ("resolved", ("active", "acknowledged")),
}


def to_model(row: Row) -> Alert:
    return Alert(
        id=row["id"],
        alert_rule_id=row["alert_rule_id"],
        source=row["source"],
        title=row["title"],
        message=row["message"],
        severity=row["severity"],
        status=row["status"],
        triggered_data=json.loads(row["triggered_data"]) if row["triggered_data"] else None,
        acknowledged_by=row["acknowledged_by"],
        acknowledged_at=row["acknowledged_at"],
        resolved_by=row["resolved_by"],
        resolved_at=row["resolved_at"],
        created_at=row["created_at"],
    )


async def list_alerts(
    owner: Owned, *, status: str | None, platform: bool, limit: int, cursor: str | None
) -> Page[Alert]:
    if platform:  # an admin's view of the built-in alerts
        from core.data.owned import decode_cursor, encode_cursor

        after = decode_cursor(cursor)
        rows = await owner.db.all(
            "SELECT * FROM alert_instances WHERE owner_id IS NULL"
            " AND (? IS NULL OR status = ?) AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?",
            status,
            status,
            after,
            after,
            limit + 1,
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return Page([to_model(r) for r in rows], encode_cursor(rows[-1]["id"]) if more else None)
    page = await owner.list(
        repo.ALERTS,
        where="status = ?" if status else "",
        params=(status,) if status else (),
        limit=limit,
        cursor=cursor,
    )
    return Page([to_model(r) for r in page.items], page.next_cursor)


async def _find(owner: Owned, alert_id: str) -> Row:
    row = await owner.find(repo.ALERTS, alert_id)
    if row is None and owner.actor.is_admin:
        row = await owner.db.first(
            "SELECT * FROM alert_instances WHERE id = ? AND owner_id IS NULL", alert_id
        )
    if row is None:
        raise NotFound("No alert has this id.")
    return row


async def move(
    owner: Owned, alert_id: str, action: str, clock: Clock, *, request_id: str | None = None
) -> Alert:
    """Acknowledge or resolve: 409 from a status the move does not start from."""
    target, sources = _MOVES[action]
    row = await _find(owner, alert_id)
    if row["status"] not in sources:
        raise Conflict(
            f"An alert that is {row['status']} cannot be {target}.",
            code="illegal_transition",
            details={"status": row["status"]},
        )
    now = iso(clock.now())
    who, when = (
        ("acknowledged_by", "acknowledged_at")
        if target == "acknowledged"
        else (
            "resolved_by",
            "resolved_at",
        )
    )
    marks = ", ".join("?" for _ in sources)
    update = stmt(
        f"UPDATE alert_instances SET status = ?, {who} = ?, {when} = ?"  # noqa: S608 (fixed names)
        f" WHERE id = ? AND status IN ({marks})",
        target,
        owner.owner_id,
        now,
        alert_id,
        *sources,
    )
    audit = AuditLog(owner.db, clock).statement(
        f"alert.{action}",
        user_id=owner.owner_id,
        resource=f"alert:{alert_id}",
        details={"from": row["status"], "to": target},
        request_id=request_id,
    )
    results = await owner.db.batch([update, audit])
    if results[0].changes == 0:
        raise Conflict("The alert moved meanwhile.", code="illegal_transition")
    return to_model(await _find(owner, alert_id))


# -------------------------------------------------- the built-in health alerts


async def open_builtin(
    db: Database, source: str, title: str, message: str, data: object, now: float
) -> bool:
    """Open the platform's alert for ``source`` unless one is open; True if opened."""
    result = await db.run(
        "INSERT OR IGNORE INTO alert_instances (id, owner_id, alert_rule_id, source, title,"
        " message, severity, status, triggered_data, created_at, opened_at)"
        " VALUES (?, NULL, NULL, ?, ?, ?, 'critical', 'active', ?, ?, ?)",
        new_id(now),
        source,
        title,
        message,
        json.dumps(data, default=str),
        iso(now),
        now,
    )
    return result.changes > 0


async def resolve_builtin(db: Database, source: str, now: float) -> bool:
    """Resolve the platform's open alert for ``source`` (by the system); True if one was."""
    result = await db.run(
        "UPDATE alert_instances SET status = 'resolved', resolved_by = 'system', resolved_at = ?"
        " WHERE source = ? AND owner_id IS NULL AND status != 'resolved'",
        iso(now),
        source,
    )
    return result.changes > 0


__all__ = ["Actor", "list_alerts", "move", "open_builtin", "resolve_builtin", "to_model"]
