"""Monitoring's scheduled work: alert evaluation and delivery (every five
minutes), vitals rollups (hourly) and the retention purge (daily)."""

from __future__ import annotations

import logging

from core.clock import iso
from core.jobs.dispatcher import JobContext
from core.monitoring import vitals
from core.monitoring.alerts import evaluate, notify

log = logging.getLogger("creator_edge.monitoring")
DAY = 86400
PURGE_CHUNK = 500
MAX_CHUNKS = 40  # per table and run: bounded, inside the edge's limits

# table, time column, kept days, extra condition; epoch-second columns unless iso.
RETENTION: tuple[tuple[str, str, int, str], ...] = (
    ("monitoring_metrics", "timestamp", 30, ""),
    ("performance_data", "timestamp", 30, ""),
    ("system_health", "checked_at", 30, ""),
    ("error_counts", "bucket", 90, ""),
    ("error_logs", "timestamp", 90, ""),
    ("performance_rollups", "bucket", 90, " AND grain = 'hour'"),
    ("performance_rollups", "bucket", 730, " AND grain = 'day'"),
    ("alert_deliveries", "created_at", 90, " AND status != 'pending'"),
    ("email_outbox", "created_at", 90, " AND status != 'pending'"),
    ("alert_instances", "opened_at", 730, " AND status = 'resolved'"),
)
ISO_COLUMNS = frozenset({"created_at"})


async def evaluate_alerts(ctx: JobContext) -> None:
    """Judge every enabled rule, then deliver what is due (never the other way round)."""
    result = await evaluate.evaluate_rules(ctx.ports.db, ctx.scheduled_time)
    sent = await notify.deliver_due(
        ctx.ports.db, ctx.ports.http, notify.TableOutbox(), ctx.ports.clock.now()
    )
    log.info(
        "monitoring: %d rules, %d fired, %d opened; %d delivered, %d failed",
        result.rules,
        result.fired,
        result.opened,
        sent.delivered,
        sent.failed,
    )


async def rollup_vitals(ctx: JobContext) -> None:
    await vitals.rollup_recent(ctx.ports.db, ctx.scheduled_time)


async def purge_monitoring(ctx: JobContext) -> None:
    """Delete what is past its retention, oldest first, in bounded chunks."""
    for table, column, days, extra in RETENTION:
        cutoff_ts = ctx.scheduled_time - days * DAY
        cutoff: float | str = iso(cutoff_ts) if column in ISO_COLUMNS else cutoff_ts
        if table == "alert_instances":  # their deliveries first (no cascade is assumed)
            await ctx.ports.db.run(
                "DELETE FROM alert_deliveries WHERE alert_id IN (SELECT id FROM alert_instances"
                " WHERE opened_at < ? AND status = 'resolved' LIMIT ?)",
                cutoff_ts,
                PURGE_CHUNK * MAX_CHUNKS,
            )
        if table == "error_logs":
            await ctx.ports.db.run(
                "DELETE FROM error_counts WHERE error_id IN (SELECT id FROM error_logs"
                " WHERE timestamp < ? LIMIT ?)",
                cutoff_ts,
                PURGE_CHUNK * MAX_CHUNKS,
            )
        for _ in range(MAX_CHUNKS):
            result = await ctx.ports.db.run(
                f"DELETE FROM {table} WHERE rowid IN"  # noqa: S608 (fixed names)
                f" (SELECT rowid FROM {table} WHERE {column} < ?{extra} LIMIT ?)",
                cutoff,
                PURGE_CHUNK,
            )
            if result.changes < PURGE_CHUNK:
                break
