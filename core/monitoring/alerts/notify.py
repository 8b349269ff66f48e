"""Delivering alerts: signed webhooks (Slack's incoming-webhook format for
Slack's URLs) and an email outbox behind a port.

Each delivery is a row of ``alert_deliveries``. A run tries each due one a few
times with a short backoff and a timeout a try; one that still fails is
recorded (attempts, last error) and tried again by later runs, with a longer
wait each time, until ``MAX_ATTEMPTS``. Nothing here raises to the evaluation.

The webhook body is JSON; ``X-Creator-Edge-Signature: sha256=<hex>`` is the
HMAC-SHA256, keyed by the rule's ``webhook_secret``, of
``"<X-Creator-Edge-Timestamp>.<body>"`` (as Stripe and Slack sign theirs), so a
receiver checks both the sender and the freshness."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from core.clock import iso
from core.ids import new_id
from core.ports import Database, HttpClient, Row

log = logging.getLogger("creator_edge.monitoring")
TIMEOUT = 5.0
TRIES_A_RUN = 3
BACKOFF = 0.25  # seconds before the second try of a run, doubled for the third
MAX_ATTEMPTS = 12
RETRY_BASE = 60.0  # seconds before the next run's try, doubled per failed run
BATCH = 50
RUN_BUDGET = 20.0  # seconds of delivery a run may spend, inside the edge's limits
SIGNATURE = "x-creator-edge-signature"
TIMESTAMP = "x-creator-edge-timestamp"


class Outbox(Protocol):
    """Where email notifications go: a table today, which a mail adapter drains."""

    async def send(
        self,
        db: Database,
        *,
        owner_id: str | None,
        alert_id: str,
        to: str,
        subject: str,
        body: str,
        now: float,
    ) -> None: ...


class TableOutbox:
    async def send(
        self,
        db: Database,
        *,
        owner_id: str | None,
        alert_id: str,
        to: str,
        subject: str,
        body: str,
        now: float,
    ) -> None:
        await db.run(
            "INSERT INTO email_outbox (id, owner_id, alert_id, to_address, subject, body, status,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)",
            new_id(now),
            owner_id,
            alert_id,
            to,
            subject,
            body,
            iso(now),
        )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def is_slack(url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() == "hooks.slack.com"


def payload(alert: Row, url: str) -> dict[str, Any]:
    if is_slack(url):
        emoji = {"critical": ":rotating_light:", "high": ":warning:"}.get(
            alert["severity"], ":bell:"
        )
        return {"text": f"{emoji} [{alert['severity']}] {alert['title']}: {alert['message']}"}
    return {
        "type": "alert",
        "alert": {
            "id": alert["id"],
            "rule_id": alert["alert_rule_id"],
            "title": alert["title"],
            "message": alert["message"],
            "severity": alert["severity"],
            "status": alert["status"],
            "created_at": alert["created_at"],
            "triggered_data": json.loads(alert["triggered_data"])
            if alert["triggered_data"]
            else None,
        },
    }


@dataclass(slots=True)
class Delivered:
    delivered: int = 0
    failed: int = 0


async def _webhook(http: HttpClient, url: str, secret: str, body: bytes, now: float) -> str | None:
    """None when delivered, else the last error."""
    error = None
    for attempt in range(TRIES_A_RUN):
        if attempt:
            await asyncio.sleep(BACKOFF * 2 ** (attempt - 1))
        timestamp = str(int(now))
        headers = {
            "content-type": "application/json",
            "user-agent": "creator-edge-alerts",
            TIMESTAMP: timestamp,
            SIGNATURE: sign(secret, timestamp, body),
        }
        try:
            response = await http.request("POST", url, headers=headers, body=body, timeout=TIMEOUT)
        except Exception as exc:  # timeouts, refused connections, bad hosts
            error = type(exc).__name__
            continue
        if 200 <= response.status < 300:
            return None
        error = f"HTTP {response.status}"
    return error


async def deliver_due(db: Database, http: HttpClient, outbox: Outbox, now: float) -> Delivered:
    """Try every delivery that is due, within the run's budget."""
    done = Delivered()
    started = time.monotonic()
    due = await db.all(
        "SELECT d.*, a.title, a.message, a.severity, a.status AS alert_status, a.created_at AS"
        " alert_created_at, a.alert_rule_id, a.triggered_data, r.webhook_secret"
        " FROM alert_deliveries d JOIN alert_instances a ON a.id = d.alert_id"
        " LEFT JOIN alert_rules r ON r.id = a.alert_rule_id"
        " WHERE d.status = 'pending' AND d.next_attempt <= ? ORDER BY d.next_attempt LIMIT ?",
        now,
        BATCH,
    )
    for row in due:
        if time.monotonic() - started > RUN_BUDGET:
            break
        channel = json.loads(row["channel"])
        alert = {
            "id": row["alert_id"],
            "alert_rule_id": row["alert_rule_id"],
            "title": row["title"],
            "message": row["message"],
            "severity": row["severity"],
            "status": row["alert_status"],
            "created_at": row["alert_created_at"],
            "triggered_data": row["triggered_data"],
        }
        error: str | None
        try:
            if channel["type"] == "webhook":
                body = json.dumps(payload(alert, channel["url"]), separators=(",", ":")).encode()
                error = await _webhook(http, channel["url"], row["webhook_secret"] or "", body, now)
            else:
                await outbox.send(
                    db,
                    owner_id=row["owner_id"],
                    alert_id=row["alert_id"],
                    to=channel["to"],
                    subject=f"[{alert['severity']}] {alert['title']}",
                    body=alert["message"],
                    now=now,
                )
                error = None
        except Exception as exc:
            error = type(exc).__name__
        attempts = row["attempts"] + 1
        if error is None:
            done.delivered += 1
            await db.run(
                "UPDATE alert_deliveries SET status = 'delivered', attempts = ?, last_error = NULL,"
                " delivered_at = ?, next_attempt = NULL WHERE id = ?",
                attempts,
                iso(now),
                row["id"],
            )
            continue
        done.failed += 1
        gave_up = attempts >= MAX_ATTEMPTS
        log.warning("monitoring: delivery %s failed (%s)", row["id"], error)
        await db.run(
            "UPDATE alert_deliveries SET status = ?, attempts = ?, last_error = ?, next_attempt = ?"
            " WHERE id = ?",
            "failed" if gave_up else "pending",
            attempts,
            error[:200],
            None if gave_up else now + RETRY_BASE * 2 ** (attempts - 1),
            row["id"],
        )
    return done
