"""Scheduled publishing: the five-minute cron publishes the posts that are due, after
moderation (a flagged one goes to pending_review instead). Each post is published
once even if two runs overlap: the move is one UPDATE guarded by the status and
version the run read, and only the run whose UPDATE changed the row published it."""

from __future__ import annotations

import json
import logging

from core.clock import iso
from core.content import workflow
from core.content.embedding import reindex
from core.content.moderation import moderation_for
from core.content.service import cleared, transition_values
from core.jobs.dispatcher import JobContext
from core.ports import AiUnavailable

log = logging.getLogger("creator_edge.content")
BATCH = 100


async def publish_due_posts(ctx: JobContext) -> None:
    db = ctx.ports.db
    moderation = await moderation_for(db, ctx.ports.http, ctx.settings)
    published = held = 0
    due = await db.all(
        "SELECT * FROM content WHERE status = 'scheduled' AND scheduled_at <= ?"
        " AND deleted_at IS NULL ORDER BY scheduled_at, id LIMIT ?",
        ctx.scheduled_time,
        BATCH,
    )
    for row in due:
        now = ctx.ports.clock.now()
        values: dict[str, object] = {"updated_at": iso(now)}
        to = workflow.target("run_schedule", row["status"])
        if not cleared(row):  # type: ignore[arg-type]
            try:
                verdict = await moderation.check(row["title"], row["body"])
            except AiUnavailable as error:
                log.warning("post %s not published: moderation down: %s", row["id"], error)
                continue
            values["moderation"] = json.dumps(verdict.record(now))
            if verdict.flagged:
                to = "pending_review"
                values["scheduled_at"] = None
        if to == "published":
            values.update(transition_values(to, now))
        values["status"] = to
        sets = ", ".join(f"{k} = ?" for k in values)
        result = await db.run(
            f"UPDATE content SET {sets}, version = version + 1"  # noqa: S608 (fixed names)
            " WHERE id = ? AND status = 'scheduled' AND version = ? AND deleted_at IS NULL",
            *values.values(),  # type: ignore[arg-type]
            row["id"],
            row["version"],
        )
        if result.changes == 1:
            published += to == "published"
            held += to == "pending_review"
            await reindex(ctx.ports, row["id"])
    if published or held:
        log.info("scheduled publishing: %d published, %d held for review", published, held)
