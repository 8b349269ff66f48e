"""Monitoring's SQL: one place for every statement on its tables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypedDict

from core.data.owned import OwnedTable
from core.ports import Database, Param, Row, Statement, stmt

METRICS = OwnedTable("monitoring_metrics", "metric")
VITALS = OwnedTable("performance_data", "vital")
ROLLUPS = OwnedTable("performance_rollups", "rollup", export=False)
ERRORS = OwnedTable("error_logs", "error", erase_order=110)
ERROR_COUNTS = OwnedTable("error_counts", "error count", erase_order=100, export=False)
RULES = OwnedTable("alert_rules", "alert rule", erase_order=120)
ALERTS = OwnedTable("alert_instances", "alert", erase_order=110)
DELIVERIES = OwnedTable("alert_deliveries", "delivery", erase_order=100)
OUTBOX = OwnedTable("email_outbox", "email", erase_order=100)
DASHBOARDS = OwnedTable("dashboards", "dashboard")
OWNED = (
    METRICS,
    VITALS,
    ROLLUPS,
    ERRORS,
    ERROR_COUNTS,
    RULES,
    ALERTS,
    DELIVERIES,
    OUTBOX,
    DASHBOARDS,
)

PLATFORM = "platform"  # the scope of the platform's own errors (no owner)
BULK_ROWS = 200  # rows per json_each insert: well inside D1's 100 KB statement


class MetricRow(TypedDict):
    id: str
    owner_id: str | None
    name: str
    value: float
    unit: str
    timestamp: float
    session_id: str | None
    metadata: str | None
    created_at: str


class VitalRow(TypedDict):
    id: str
    owner_id: str
    profile_id: str | None
    session_id: str | None
    metric_type: str
    metric_value: float
    metric_unit: str
    rating: str
    page_url: str
    device_type: str
    device_info: str | None
    timestamp: float
    created_at: str


class RollupRow(TypedDict):
    id: str
    owner_id: str
    grain: str
    bucket: int
    metric_type: str
    page_url: str
    device_type: str
    count: int
    total: float
    sketch: str


class ErrorRow(TypedDict):
    id: str
    owner_id: str | None
    scope: str
    fingerprint: str
    error_type: str
    error_name: str
    error_message: str
    error_stack: str | None
    severity: str
    context: str | None
    user_agent: str | None
    url: str | None
    session_id: str | None
    count: int
    first_seen: float
    timestamp: float
    resolved: int
    resolved_at: str | None
    created_at: str


class RuleRow(TypedDict):
    id: str
    owner_id: str
    name: str
    description: str | None
    condition_type: str
    condition_config: str
    severity: str
    enabled: int
    notification_channels: str
    webhook_secret: str
    cooldown_minutes: int
    last_triggered: float | None
    created_by: str
    created_at: str
    updated_at: str


class AlertRow(TypedDict):
    id: str
    owner_id: str | None
    alert_rule_id: str | None
    source: str
    title: str
    message: str
    severity: str
    status: str
    triggered_data: str | None
    acknowledged_by: str | None
    acknowledged_at: str | None
    resolved_by: str | None
    resolved_at: str | None
    created_at: str
    opened_at: float


class DeliveryRow(TypedDict):
    id: str
    owner_id: str | None
    alert_id: str
    channel: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt: float | None
    created_at: str
    delivered_at: str | None


class DashboardRow(TypedDict):
    id: str
    owner_id: str
    name: str
    description: str | None
    layout_config: str
    widget_configs: str
    is_public: int
    is_default: int
    created_at: str
    updated_at: str


class HealthRow(TypedDict):
    id: str
    service_name: str
    status: str
    response_time_ms: int | None
    error_rate: float | None
    last_error: str | None
    metadata: str | None
    checked_at: float
    created_at: str


def _bulk(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[Statement]:
    """INSERTs of ``rows`` through ``json_each``, ``BULK_ROWS`` a statement. Each
    row's array is read out of ``json_each`` once, into a materialized CTE: read
    straight from it, every ``->>`` has ``json_each`` render the row as text again."""
    picks = ", ".join(f"v ->> {i}" for i in range(len(columns)))
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)})"  # noqa: S608 (our own names)
        f" WITH r AS MATERIALIZED (SELECT value AS v FROM json_each(?)) SELECT {picks} FROM r"
    )
    return [
        stmt(sql, json.dumps([list(r) for r in rows[i : i + BULK_ROWS]], separators=(",", ":")))
        for i in range(0, len(rows), BULK_ROWS)
    ]


METRIC_COLUMNS = (
    "id",
    "owner_id",
    "name",
    "value",
    "unit",
    "timestamp",
    "session_id",
    "metadata",
    "created_at",
)
VITAL_COLUMNS = (
    "id",
    "owner_id",
    "profile_id",
    "session_id",
    "metric_type",
    "metric_value",
    "metric_unit",
    "rating",
    "page_url",
    "device_type",
    "device_info",
    "timestamp",
    "created_at",
)
ROLLUP_COLUMNS = (
    "id",
    "owner_id",
    "grain",
    "bucket",
    "metric_type",
    "page_url",
    "device_type",
    "count",
    "total",
    "sketch",
)


async def insert_metrics(db: Database, rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        await db.batch(_bulk("monitoring_metrics", METRIC_COLUMNS, rows))


async def insert_vitals(db: Database, rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        await db.batch(_bulk("performance_data", VITAL_COLUMNS, rows))


async def vitals_between(db: Database, start: float, end: float) -> list[Row]:
    return await db.all(
        "SELECT owner_id, metric_type, page_url, device_type, metric_value FROM performance_data"
        " WHERE timestamp >= ? AND timestamp < ?",
        start,
        end,
    )


def replace_rollups(
    grain: str, bucket: int, rows: Sequence[Sequence[Any]], owners: Sequence[str] | None = None
) -> list[Statement]:
    """Statements that rebuild one bucket of ``grain`` (every owner's, or ``owners``')."""
    if owners is None:
        delete = stmt(
            "DELETE FROM performance_rollups WHERE grain = ? AND bucket = ?", grain, bucket
        )
    else:
        delete = stmt(
            "DELETE FROM performance_rollups WHERE grain = ? AND bucket = ?"
            " AND owner_id IN (SELECT value FROM json_each(?))",
            grain,
            bucket,
            json.dumps(list(owners)),
        )
    return [delete, *_bulk("performance_rollups", ROLLUP_COLUMNS, rows)]


async def rollups(
    db: Database,
    owner_id: str,
    grain: str,
    start: int,
    end: int,
    filters: dict[str, str],
    exclude_all: Sequence[str] = (),
) -> list[Row]:
    """Rollup rows of a range; ``exclude_all`` columns skip the rows over every value."""
    # Split by page, the key's page column is a range: "+bucket" keeps the planner
    # on the key (owner, metric, grain, page...) instead of the all-owners bucket index.
    bucket = "+bucket" if "page_url" in exclude_all else "bucket"
    where = ["owner_id = ?", "grain = ?", f"{bucket} >= ?", f"{bucket} < ?"]
    params: list[Param] = [owner_id, grain, start, end]
    for column in ("metric_type", "page_url", "device_type"):
        if column in filters:
            where.append(f"{column} = ?")
            params.append(filters[column])
        elif column in exclude_all:
            # Every real one, not the rows over all: as conditions the key can seek.
            where.append(
                "page_url >= '/'"  # pages start with "/", '*' sorts before it
                if column == "page_url"
                else "device_type IN ('mobile', 'tablet', 'desktop', 'unknown')"
            )
    return await db.all(
        "SELECT metric_type, page_url, device_type, count, sketch FROM performance_rollups"  # noqa: S608
        f" WHERE {' AND '.join(where)}",
        *params,
    )


# ----------------------------------------------------------------- errors


def upsert_error_statements(row: dict[str, Any], bucket: int) -> list[Statement]:
    """The group's row counted up (a resolved group reopens), and its bucket's count."""
    columns = list(row)
    marks = ", ".join("?" for _ in columns)
    group = stmt(
        f"INSERT INTO error_logs ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        " ON CONFLICT (scope, fingerprint) DO UPDATE SET count = error_logs.count + 1,"
        " timestamp = excluded.timestamp, severity = CASE"
        " WHEN excluded.severity = 'critical' OR error_logs.severity = 'critical' THEN 'critical'"
        " WHEN excluded.severity = 'high' OR error_logs.severity = 'high' THEN 'high'"
        " WHEN excluded.severity = 'medium' OR error_logs.severity = 'medium' THEN 'medium'"
        " ELSE 'low' END, resolved = 0, resolved_at = NULL",
        *row.values(),
    )
    count = stmt(
        "INSERT INTO error_counts (id, error_id, owner_id, bucket, count)"
        " SELECT ?, id, owner_id, ?, 1 FROM error_logs WHERE scope = ? AND fingerprint = ?"
        " ON CONFLICT (error_id, bucket) DO UPDATE SET count = error_counts.count + 1",
        row["id"],
        bucket,
        row["scope"],
        row["fingerprint"],
    )
    return [group, count]


async def pattern_count(
    db: Database, owner_id: str, glob: str, since_bucket: int
) -> tuple[int, list[str]]:
    """Occurrences since ``since_bucket`` of ``owner_id``'s error groups whose
    ``"<name>: <message>"`` matches ``glob``; and those groups' ids."""
    rows = await db.all(
        "SELECT e.id AS id, SUM(c.count) AS n FROM error_logs e"
        " JOIN error_counts c ON c.error_id = e.id AND c.bucket >= ?"
        " WHERE e.owner_id = ? AND (e.error_name || ': ' || e.error_message) GLOB ?"
        " GROUP BY e.id",
        since_bucket,
        owner_id,
        glob,
    )
    return sum(int(r["n"]) for r in rows), [r["id"] for r in rows]


# --------------------------------------------------------------- health


def health_statement(row: HealthRow) -> Statement:
    columns = list(row)
    marks = ", ".join("?" for _ in columns)
    values: list[Param] = [row[c] for c in columns]  # type: ignore[literal-required]
    return stmt(
        f"INSERT INTO system_health ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
        *values,
    )


async def latest_health(db: Database) -> list[Row]:
    return await db.all(
        "SELECT h.* FROM system_health h JOIN (SELECT service_name, MAX(checked_at) AS at"
        " FROM system_health GROUP BY service_name) last"
        " ON last.service_name = h.service_name AND last.at = h.checked_at"
        " ORDER BY h.service_name"
    )
