"""The five-minute evaluation of every enabled rule.

A rule fires when its condition holds at the run's time; it then opens an alert
instance, unless one of its instances is still open (active or acknowledged:
a partial unique index makes a duplicate impossible even between two runners)
or its cooldown since it last fired has not passed. Notifications are queued in
the same batch as the instance and delivered afterwards (``notify``), so a
receiver that is slow or down never holds evaluation up."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from core.clock import iso
from core.ids import new_id
from core.monitoring import repo
from core.monitoring.errorlog import BUCKET
from core.monitoring.thresholds import VITALS
from core.ports import Database, Row, Statement, stmt

log = logging.getLogger("creator_edge.monitoring")
PAGE = 500
_SQL_AGG = {"avg": "AVG", "max": "MAX", "min": "MIN", "sum": "SUM", "count": "COUNT"}
_OPS = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


@dataclass(frozen=True, slots=True)
class Verdict:
    fires: bool
    data: dict[str, Any]
    summary: str


async def aggregate(
    db: Database, owner_id: str, metric: str, how: str, start: float, end: float
) -> float | None:
    """``how`` of the owner's ``metric`` in ``(start, end]`` (the run's moment
    included): a vital or a custom metric."""
    agg = _SQL_AGG[how]
    if metric in VITALS:
        sql = (
            f"SELECT {agg}(metric_value) AS v FROM performance_data"  # noqa: S608 (fixed names)
            " WHERE owner_id = ? AND metric_type = ? AND timestamp > ? AND timestamp <= ?"
        )
    else:
        sql = (
            f"SELECT {agg}(value) AS v FROM monitoring_metrics"  # noqa: S608
            " WHERE owner_id = ? AND name = ? AND timestamp > ? AND timestamp <= ?"
        )
    row = await db.first(sql, owner_id, metric, start, end)
    value = row["v"] if row else None
    return float(value) if value is not None else (0.0 if how == "count" else None)


async def judge(db: Database, rule: Row, now: float) -> Verdict:
    config = json.loads(rule["condition_config"])
    window = config["window_minutes"] * 60
    kind = rule["condition_type"]
    owner = rule["owner_id"]
    if kind == "threshold":
        value = await aggregate(db, owner, config["metric"], config["aggregate"], now - window, now)
        fires = value is not None and _OPS[config["op"]](value, config["value"])
        summary = (
            f"{config['aggregate']}({config['metric']}) over {config['window_minutes']} min"
            f" is {_fmt(value)} ({config['op']} {config['value']:g})"
        )
        return Verdict(fires, {**config, "observed": value}, summary)
    if kind == "trend":
        metric, how = config["metric"], config["aggregate"]
        current = await aggregate(db, owner, metric, how, now - window, now)
        previous = await aggregate(db, owner, metric, how, now - 2 * window, now - window)
        change = None
        if current is not None and previous:
            change = (current - previous) / abs(previous) * 100
        limit = config["change_percent"]
        direction = config["direction"]
        fires = change is not None and (
            (direction == "up" and change >= limit)
            or (direction == "down" and change <= -limit)
            or (direction == "any" and abs(change) >= limit)
        )
        summary = (
            f"{how}({metric}) changed {_fmt(change)} % against the previous"
            f" {config['window_minutes']} min ({_fmt(previous)} -> {_fmt(current)})"
        )
        return Verdict(
            fires,
            {**config, "current": current, "previous": previous, "observed_change_percent": change},
            summary,
        )
    # pattern: buckets wholly inside the window (the cron's five minutes align with them)
    since = int(now - window) - int(now - window) % BUCKET
    count, groups = await repo.pattern_count(db, owner, config["pattern"], since)
    fires = count >= config["count"]
    summary = f"{count} errors matching {config['pattern']!r} in {config['window_minutes']} min"
    return Verdict(fires, {**config, "observed_count": count, "error_ids": groups[:20]}, summary)


def _fmt(value: float | None) -> str:
    return "none" if value is None else f"{value:.4g}"


def open_statements(rule: Row, verdict: Verdict, now: float) -> tuple[str, list[Statement]]:
    """The instance, the rule's last_triggered and a delivery per channel: one batch."""
    alert_id = new_id(now)
    created = iso(now)
    statements = [
        stmt(
            "INSERT OR IGNORE INTO alert_instances (id, owner_id, alert_rule_id, source, title,"
            " message, severity, status, triggered_data, created_at, opened_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)",
            alert_id,
            rule["owner_id"],
            rule["id"],
            rule["id"],
            rule["name"][:200],
            verdict.summary[:1000],
            rule["severity"],
            json.dumps(verdict.data, separators=(",", ":"), default=str),
            created,
            now,
        ),
        stmt("UPDATE alert_rules SET last_triggered = ? WHERE id = ?", now, rule["id"]),
    ]
    for channel in json.loads(rule["notification_channels"]):
        statements.append(
            stmt(
                "INSERT INTO alert_deliveries (id, owner_id, alert_id, channel, status, attempts,"
                " next_attempt, created_at) SELECT ?, ?, ?, ?, 'pending', 0, ?, ?"
                " WHERE EXISTS (SELECT 1 FROM alert_instances WHERE id = ?)",
                new_id(now),
                rule["owner_id"],
                alert_id,
                json.dumps(channel, separators=(",", ":")),
                now,
                created,
                alert_id,
            )
        )
    return alert_id, statements


@dataclass(slots=True)
class Evaluation:
    rules: int = 0
    fired: int = 0
    opened: int = 0
    skipped_open: int = 0
    skipped_cooldown: int = 0
    failed: int = 0


async def evaluate_rules(db: Database, now: float) -> Evaluation:
    """Judge every enabled rule once, page by page."""
    result = Evaluation()
    open_rows = await db.all(
        "SELECT alert_rule_id FROM alert_instances WHERE status != 'resolved'"
        " AND alert_rule_id IS NOT NULL"
    )
    still_open = {r["alert_rule_id"] for r in open_rows}
    after = ""
    while True:
        rules = await db.all(
            "SELECT * FROM alert_rules WHERE enabled = 1 AND id > ? ORDER BY id LIMIT ?",
            after,
            PAGE,
        )
        if not rules:
            break
        after = rules[-1]["id"]
        for rule in rules:
            result.rules += 1
            if rule["id"] in still_open:
                result.skipped_open += 1
                continue
            last = rule["last_triggered"]
            if last is not None and now - last < rule["cooldown_minutes"] * 60:
                result.skipped_cooldown += 1
                continue
            try:
                verdict = await judge(db, rule, now)
                if not verdict.fires:
                    continue
                result.fired += 1
                _, statements = open_statements(rule, verdict, now)
                outcomes = await db.batch(statements)
                result.opened += outcomes[0].changes
            except Exception:  # one broken rule must not stop the others
                result.failed += 1
                log.exception("monitoring: rule %s could not be evaluated", rule["id"])
        if len(rules) < PAGE:
            break
    return result
