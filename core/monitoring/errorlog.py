"""Error reports: sanitised, grouped by fingerprint, counted up; resolved and
reopened by their owner (a new occurrence reopens a resolved group)."""

from __future__ import annotations

import json
import traceback
from typing import Any

from core.clock import iso
from core.data.owned import Owned, Page
from core.ids import new_id
from core.monitoring import repo
from core.monitoring.fingerprint import fingerprint
from core.monitoring.models import ErrorGroup, ErrorReport
from core.monitoring.sanitize import sanitize, sanitize_json
from core.ports import Database, Param, Row

BUCKET = 300  # error_counts' five-minute buckets (the cron's period)
MESSAGE_MAX = 2000
STACK_MAX = 8000
URL_MAX = 1024
UA_MAX = 256
CONTEXT_MAX = 4096


def group_row(
    *,
    owner_id: str | None,
    error_type: str,
    name: str,
    message: str,
    stack: str | None,
    severity: str,
    url: str | None,
    user_agent: str | None,
    session_id: str | None,
    context: dict[str, Any] | None,
    at: float,
) -> dict[str, Any]:
    """The row of one occurrence, every text sanitised before it is cut to length."""
    message = sanitize(message)[:MESSAGE_MAX]
    stack = sanitize(stack)[:STACK_MAX] if stack else None
    name = sanitize(name)[:100]
    return {
        "id": new_id(at),
        "owner_id": owner_id,
        "scope": owner_id or repo.PLATFORM,
        "fingerprint": fingerprint(error_type, name, message, stack),
        "error_type": error_type,
        "error_name": name,
        "error_message": message,
        "error_stack": stack,
        "severity": severity,
        "context": _context(context),
        "user_agent": user_agent[:UA_MAX] if user_agent else None,
        "url": sanitize(url)[:URL_MAX] if url else None,
        "session_id": session_id,
        "count": 1,
        "first_seen": at,
        "timestamp": at,
        "resolved": 0,
        "resolved_at": None,
        "created_at": iso(at),
    }


def _context(context: dict[str, Any] | None) -> str | None:
    if context is None:
        return None
    text = json.dumps(sanitize_json(context), separators=(",", ":"))
    return text if len(text) <= CONTEXT_MAX else '{"truncated":true}'


async def record(db: Database, row: dict[str, Any]) -> None:
    bucket = int(row["timestamp"]) - int(row["timestamp"]) % BUCKET
    await db.batch(repo.upsert_error_statements(row, bucket))


async def record_report(
    db: Database,
    report: ErrorReport,
    *,
    owner_id: str | None,
    at: float,
    private: bool,
    user_agent: str | None,
) -> None:
    """A client's report, for ``owner_id`` (None: the platform's)."""
    await record(
        db,
        group_row(
            owner_id=owner_id,
            error_type=report.type,
            name=report.name,
            message=report.message,
            stack=report.stack,
            severity=report.severity,
            url=report.url,
            user_agent=None if private else user_agent,
            session_id=None if private else report.session_id,
            context=report.context,
            at=at,
        ),
    )


def server_row(error: BaseException, method: str, route: str, at: float) -> dict[str, Any]:
    """The row of an exception that reached the 500 path (built on the request path:
    formatting the trace is all it costs; the write is deferred)."""
    stack = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return group_row(
        owner_id=None,
        error_type="server",
        name=type(error).__qualname__,
        message=str(error) or type(error).__name__,
        stack=stack,
        severity="high",
        url=None,
        user_agent=None,
        session_id=None,
        context={"method": method, "route": route},
        at=at,
    )


def to_model(row: Row) -> ErrorGroup:
    return ErrorGroup(
        id=row["id"],
        fingerprint=row["fingerprint"],
        error_type=row["error_type"],
        name=row["error_name"],
        error_message=row["error_message"],
        error_stack=row["error_stack"],
        severity=row["severity"],
        url=row["url"],
        count=row["count"],
        first_seen=iso(row["first_seen"]),
        last_seen=iso(row["timestamp"]),
        resolved=bool(row["resolved"]),
        resolved_at=row["resolved_at"],
    )


async def list_groups(
    owner: Owned, *, resolved: bool | None, severity: str | None, limit: int, cursor: str | None
) -> Page[ErrorGroup]:
    where: list[str] = []
    params: list[Param] = []
    if resolved is not None:
        where.append("resolved = ?")
        params.append(int(resolved))
    if severity is not None:
        where.append("severity = ?")
        params.append(severity)
    page = await owner.list(
        repo.ERRORS, where=" AND ".join(where), params=params, limit=limit, cursor=cursor
    )
    return Page([to_model(r) for r in page.items], page.next_cursor)


async def set_resolved(owner: Owned, error_id: str, resolved: bool, at: float) -> ErrorGroup:
    await owner.get(repo.ERRORS, error_id)
    await owner.update(
        repo.ERRORS,
        error_id,
        {"resolved": int(resolved), "resolved_at": iso(at) if resolved else None},
    )
    return to_model(await owner.get(repo.ERRORS, error_id))
