"""A small feature that does work a plan counts, the way content does: the gate's
statements first in its own batch, the work (an audit row here) after them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from core.audit import AuditLog
from core.data.actor import Actor
from core.feature import Feature
from core.http.context import request_context
from core.identity import current_actor
from core.plans.repo import PlansRepo
from core.ports import Database, IntegrityError
from core.usage import Meter, admit

PATH = "/api/_test/work"


def poster(meter: Meter = Meter.POSTS) -> Feature:
    router = APIRouter()

    @router.post(PATH)
    async def work(request: Request, actor: Actor = Depends(current_actor)) -> dict[str, bool]:
        ports = request_context(request.scope).ports
        admission = await admit(request, actor.user_id, meter)
        done = AuditLog(ports.db, ports.clock).statement("test.work", user_id=actor.user_id)
        try:
            await ports.db.batch([*admission.statements, done])
        except IntegrityError:
            await admission.recheck()
            raise
        return {"stored": True}

    return Feature(name="_test_poster", routers=(router,))


async def stored(db: Database, user_id: str) -> int:
    row = await db.first(
        "SELECT count(*) AS n FROM audit_log WHERE action = 'test.work' AND user_id = ?", user_id
    )
    assert row is not None
    return int(row["n"])


async def set_used(db: Database, user_id: str, column: str, used: int, now: float) -> None:
    """Put the owner's counter at ``used`` (making their free row if need be)."""
    await PlansRepo(db).ensure(user_id, now)
    await db.run(f"UPDATE subscriptions SET {column} = ? WHERE owner_id = ?", used, user_id)
