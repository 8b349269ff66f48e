"""The moderation queue and rule set, for admins. Every decision (hold, approve,
reject) and every change of the rules is audited in the batch of the change, with
the status before and after."""

from __future__ import annotations

import json
from typing import Any, cast

from fastapi import APIRouter, Depends, Query, Request

from core.audit import AuditLog
from core.clock import iso
from core.content import workflow
from core.content.embedding import reindex_later
from core.content.models import ContentOut, ContentPage, ReviewIn
from core.content.moderation import Rules, RulesRepo
from core.content.repo import ContentRepo, ContentRow
from core.content.service import guarded, stale, to_out
from core.data.actor import Actor
from core.data.owned import Owned, decode_cursor, encode_cursor
from core.errors import NotFound
from core.http.context import request_context
from core.identity import admin_actor
from core.ids import new_id

router = APIRouter(tags=["moderation"])


@router.get("/api/admin/moderation", response_model=ContentPage)
async def review_queue(
    request: Request,
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=200),
    admin: Actor = Depends(admin_actor),
) -> Any:
    """Posts held for review, oldest first."""
    db = request_context(request.scope).ports.db
    after = decode_cursor(cursor)
    rows = await db.all(
        "SELECT * FROM content WHERE status = 'pending_review' AND deleted_at IS NULL"
        " AND (?1 IS NULL OR id > ?1) ORDER BY id LIMIT ?2",
        after,
        limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [to_out(cast(ContentRow, row), []) for row in rows]
    return ContentPage(items=items, next_cursor=encode_cursor(rows[-1]["id"]) if more else None)


@router.get("/api/admin/moderation/rules", response_model=Rules)
async def read_rules(request: Request, admin: Actor = Depends(admin_actor)) -> Any:
    return await RulesRepo(request_context(request.scope).ports.db).load()


@router.put("/api/admin/moderation/rules", response_model=Rules)
async def save_rules(body: Rules, request: Request, admin: Actor = Depends(admin_actor)) -> Any:
    ports = request_context(request.scope).ports
    repo = RulesRepo(ports.db)
    before = await repo.load()
    audit = AuditLog(ports.db, ports.clock).statement(
        "moderation.rules_changed",
        user_id=admin.user_id,
        resource="moderation_rules",
        details={"before": before.model_dump(), "after": body.model_dump()},
        request_id=request_context(request.scope).request_id,
    )
    await ports.db.batch([repo.save_statement(body, admin.user_id, ports.clock.now()), audit])
    return body


async def _decide(
    request: Request, admin: Actor, content_id: str, action: workflow.Action, note: str | None
) -> ContentOut:
    ctx = request_context(request.scope)
    ports = ctx.ports
    row = cast(
        ContentRow | None,
        await ports.db.first(
            "SELECT * FROM content WHERE id = ? AND deleted_at IS NULL", content_id
        ),
    )
    if row is None:
        raise NotFound("No post has this id.")
    to = workflow.target(action, row["status"])
    now = ports.clock.now()
    # The owner's rows, changed by an admin: statements scoped to that owner.
    repo = ContentRepo(Owned(ports.db, Actor(row["owner_id"], "creator")))
    moderation = json.loads(row["moderation"]) if row["moderation"] else {"flagged": False}
    decision = {"hold": "held", "approve": "approved", "reject": "rejected"}[action]
    # An approval clears exactly the version it leaves: an edit after it is checked again.
    moderation.update(decision=decision, by=admin.user_id, at=iso(now), version=row["version"] + 1)
    if note:
        moderation["note"] = note
    values: dict[str, Any] = {
        "status": to,
        "moderation": json.dumps(moderation),
        "updated_at": iso(now),
    }
    if to != "scheduled":
        values["scheduled_at"] = None
    audit = AuditLog(ports.db, ports.clock).statement(
        f"content.{action}",
        user_id=admin.user_id,
        resource=f"content:{content_id}",
        details={"before": row["status"], "after": to, "owner_id": row["owner_id"], "note": note},
        request_id=ctx.request_id,
    )
    token = new_id(now)
    results = await ports.db.batch(
        [
            repo.update(
                content_id, values, version=row["version"], status=row["status"], token=token
            ),
            guarded(audit, content_id, token),
        ]
    )
    if results[0].changes == 0:
        fresh = cast(
            ContentRow, await ports.db.first("SELECT * FROM content WHERE id = ?", content_id)
        )
        raise stale(fresh)
    reindex_later(ports, content_id)
    fresh = cast(ContentRow, await ports.db.first("SELECT * FROM content WHERE id = ?", content_id))
    return to_out(fresh, [])


@router.post("/api/admin/moderation/{content_id}/approve", response_model=ContentOut)
async def approve(
    content_id: str,
    request: Request,
    body: ReviewIn | None = None,
    admin: Actor = Depends(admin_actor),
) -> Any:
    """pending_review -> draft; the author may publish this version without a new hold."""
    return await _decide(request, admin, content_id, "approve", body.note if body else None)


@router.post("/api/admin/moderation/{content_id}/reject", response_model=ContentOut)
async def reject(
    content_id: str,
    request: Request,
    body: ReviewIn | None = None,
    admin: Actor = Depends(admin_actor),
) -> Any:
    """pending_review -> archived."""
    return await _decide(request, admin, content_id, "reject", body.note if body else None)


@router.post("/api/admin/moderation/{content_id}/hold", response_model=ContentOut)
async def hold(
    content_id: str,
    request: Request,
    body: ReviewIn | None = None,
    admin: Actor = Depends(admin_actor),
) -> Any:
    """Any status -> pending_review: an admin takes a post down for review."""
    return await _decide(request, admin, content_id, "hold", body.note if body else None)
