"""Payment events: verified (``signature``), received once by event id, and
applied to the subscription they name, never moving it backwards.

Each event is one batch: its effect and its ``billing_events`` row stand or fall
together, so a retry after a failure applies it, and a retry after a success
finds the row and changes nothing. The provider's event time (``created``) is
kept on the subscription: an event older than the last one applied is recorded
as ``stale`` and changes nothing (events arrive out of order)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from core.clock import iso
from core.errors import BadRequest, DependencyDown
from core.plans.models import WebhookReceipt
from core.plans.periods import add_month, day_start
from core.plans.repo import PlansRepo, SubscriptionRow
from core.plans.signature import verify
from core.ports import IntegrityError, Ports, Statement, stmt
from core.settings import Settings

log = logging.getLogger("creator_edge.plans")

SUBSCRIPTION_EVENTS = frozenset(
    {
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    }
)
INVOICE_EVENTS = frozenset({"invoice.paid", "invoice.payment_failed"})
TIERS = frozenset({"free", "pro", "business"})
# Provider statuses that keep the paid plan, and what they are called here.
_STATUSES = {"active": "active", "trialing": "trialing", "past_due": "past_due"}
_MAX_ID = 255


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    type: str
    created: float
    obj: dict[str, Any]


def parse_event(body: bytes) -> Event:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The event is not JSON.", code="invalid_event") from None
    if not isinstance(data, dict):
        raise BadRequest("The event is not an object.", code="invalid_event")
    event_id, kind, created = data.get("id"), data.get("type"), data.get("created")
    obj = (data.get("data") or {}).get("object") if isinstance(data.get("data"), dict) else None
    if (
        not isinstance(event_id, str)
        or not 0 < len(event_id) <= _MAX_ID
        or not isinstance(kind, str)
        or len(kind) > _MAX_ID
        or isinstance(created, bool)
        or not isinstance(created, int | float)
        or not 0 <= created < 2**40
        or not isinstance(obj, dict)
    ):
        raise BadRequest("An event needs id, type, created and data.object.", code="invalid_event")
    return Event(event_id, kind, float(created), obj)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= _MAX_ID else None


def _time(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if 0 < value < 2**40 else None


def _first_item(obj: dict[str, Any], key: str) -> dict[str, Any]:
    container = obj.get(key)
    items = container.get("data") if isinstance(container, dict) else None
    first = items[0] if isinstance(items, list) and items else None
    return first if isinstance(first, dict) else {}


def _tier(sub: dict[str, Any]) -> str | None:
    """The plan a subscription object names: its price's lookup key, else its metadata."""
    price = _first_item(sub, "items").get("price")
    lookup = price.get("lookup_key") if isinstance(price, dict) else None
    found = sub.get("metadata")
    metadata: dict[str, Any] = found if isinstance(found, dict) else {}
    for candidate in (lookup, metadata.get("tier")):
        if candidate in TIERS:
            return str(candidate)
    return None


def _period(obj: dict[str, Any]) -> tuple[float, float] | None:
    """A subscription's current period (top level, or on its first item as newer
    API versions put it), or an invoice's first line's."""
    item = _first_item(obj, "items")
    line = _first_item(obj, "lines").get("period")
    for source in (obj, item):
        start, end = (
            _time(source.get("current_period_start")),
            _time(source.get("current_period_end")),
        )
        if start is not None and end is not None and end > start:
            return start, end
    if isinstance(line, dict):
        start, end = _time(line.get("start")), _time(line.get("end"))
        if start is not None and end is not None and end > start:
            return start, end
    return None


class Webhooks:
    def __init__(self, ports: Ports, settings: Settings) -> None:
        self.ports = ports
        self.settings = settings
        self.repo = PlansRepo(ports.db)

    def secrets(self) -> list[str]:
        configured = self.settings.billing_webhook_secret
        if configured is None:
            raise DependencyDown(
                "Payment webhooks are not configured here.", code="billing_not_configured"
            )
        return [s.strip() for s in configured.get_secret_value().split(",") if s.strip()]

    async def receive(
        self, signature: str | None, body: bytes
    ) -> tuple[WebhookReceipt, str | None]:
        """Verify and apply one event; the receipt and the owner it changed, if any."""
        verify(signature, body, self.secrets(), self.ports.clock.now())
        event = parse_event(body)
        seen = await self.ports.db.first(
            "SELECT outcome FROM billing_events WHERE id = ?", event.id
        )
        if seen is not None:
            return WebhookReceipt(
                received=True, event_id=event.id, outcome=seen["outcome"], duplicate=True
            ), None
        outcome, owner, statements = await self._plan(event)
        record = self._record(event, outcome)
        try:
            await self.ports.db.batch([*statements, record])
        except IntegrityError:
            if await self.ports.db.first("SELECT 1 FROM billing_events WHERE id = ?", event.id):
                # The same event, applied by a concurrent delivery.
                return WebhookReceipt(
                    received=True, event_id=event.id, outcome="applied", duplicate=True
                ), None
            # A user id the provider holds that is not (or no longer) ours.
            await self.ports.db.batch([self._record(event, "unmatched")])
            return WebhookReceipt(received=True, event_id=event.id, outcome="unmatched"), None
        return WebhookReceipt(received=True, event_id=event.id, outcome=outcome), (
            owner if outcome == "applied" else None
        )

    def _record(self, event: Event, outcome: str) -> Statement:
        sub_id = (
            _text(event.obj.get("id"))
            if event.type in SUBSCRIPTION_EVENTS
            else _text(event.obj.get("subscription"))
        )
        return stmt(
            "INSERT INTO billing_events (id, type, created, provider_subscription_id, outcome,"
            " received_at) VALUES (?, ?, ?, ?, ?, ?)",
            event.id,
            event.type[:_MAX_ID],
            event.created,
            sub_id,
            outcome,
            iso(self.ports.clock.now()),
        )

    async def _plan(self, event: Event) -> tuple[str, str | None, list[Statement]]:
        """(outcome, owner, statements) for the event."""
        if event.type not in SUBSCRIPTION_EVENTS | INVOICE_EVENTS:
            return "ignored", None, []
        obj = event.obj
        if event.type in SUBSCRIPTION_EVENTS:
            sub_id, customer = _text(obj.get("id")), _text(obj.get("customer"))
        else:
            sub_id, customer = _text(obj.get("subscription")), _text(obj.get("customer"))
        row = await self.repo.by_provider(sub_id, customer)
        if row is None and event.type in SUBSCRIPTION_EVENTS:
            found = obj.get("metadata")
            metadata: dict[str, Any] = found if isinstance(found, dict) else {}
            user_id = _text(metadata.get("user_id"))
            if user_id is not None:
                row = await self.repo.get(user_id)
                if row is None:
                    return self._first_row(event, user_id, sub_id, customer)
        if row is None:
            return "unmatched", None, []
        if row["provider_event_at"] is not None and event.created < row["provider_event_at"]:
            return "stale", row["owner_id"], []
        statement = self._apply(event, row, sub_id, customer)
        if statement is None:
            return "ignored", row["owner_id"], []
        return "applied", row["owner_id"], [statement]

    def _first_row(
        self, event: Event, user_id: str, sub_id: str | None, customer: str | None
    ) -> tuple[str, str | None, list[Statement]]:
        """A subscription event for a user with no row yet: the row, made from it."""
        now = self.ports.clock.now()
        tier = _tier(event.obj) or "free"
        status = _STATUSES.get(str(event.obj.get("status")), "canceled")
        if event.type == "customer.subscription.deleted" or status == "canceled":
            tier, status = "free", "canceled"
        start, end = _period(event.obj) or (now, add_month(now))
        return (
            "applied",
            user_id,
            [
                stmt(
                    "INSERT INTO subscriptions (id, owner_id, tier, status, period_start,"
                    " period_end, day_start, provider_customer_id, provider_subscription_id,"
                    " provider_event_at, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    user_id,
                    user_id,
                    tier,
                    status,
                    start,
                    end,
                    day_start(now),
                    customer,
                    sub_id,
                    event.created,
                    iso(now),
                    iso(now),
                )
            ],
        )

    def _apply(
        self, event: Event, row: SubscriptionRow, sub_id: str | None, customer: str | None
    ) -> Statement | None:
        now = self.ports.clock.now()
        period = _period(event.obj) or (row["period_start"], row["period_end"])
        # A period that starts later than the row's is a new one: its counters start at 0.
        new_period = (
            "period_start = ?, period_end = ?,"
            " posts_used = CASE WHEN ? > period_start THEN 0 ELSE posts_used END,"
            " ai_generations_used = CASE WHEN ? > period_start THEN 0 ELSE ai_generations_used END"
        )
        period_params = (period[0], period[1], period[0], period[0])
        common = (event.created, iso(now))
        if event.type == "customer.subscription.deleted":
            return stmt(
                "UPDATE subscriptions SET tier = 'free', status = 'canceled', grace_until = NULL,"
                " provider_event_at = ?, updated_at = ?"
                " WHERE id = ? AND (provider_event_at IS NULL OR provider_event_at <= ?)",
                *common,
                row["id"],
                event.created,
            )
        if event.type in SUBSCRIPTION_EVENTS:
            tier = _tier(event.obj)
            status = _STATUSES.get(str(event.obj.get("status")))
            if status is None:  # canceled, unpaid, incomplete_expired: back to free
                tier, status = "free", "canceled"
            if tier is None:
                return None
            grace = "grace_until = NULL," if status != "past_due" else ""
            return stmt(
                f"UPDATE subscriptions SET tier = ?, status = ?, {grace} {new_period},"  # noqa: S608 (fixed text)
                " provider_subscription_id = COALESCE(?, provider_subscription_id),"
                " provider_customer_id = COALESCE(?, provider_customer_id),"
                " provider_event_at = ?, updated_at = ?"
                " WHERE id = ? AND (provider_event_at IS NULL OR provider_event_at <= ?)",
                tier,
                status,
                *period_params,
                sub_id,
                customer,
                *common,
                row["id"],
                event.created,
            )
        if event.type == "invoice.paid":
            return stmt(
                f"UPDATE subscriptions SET status = 'active', grace_until = NULL, {new_period},"  # noqa: S608
                " provider_event_at = ?, updated_at = ?"
                " WHERE id = ? AND (provider_event_at IS NULL OR provider_event_at <= ?)",
                *period_params,
                *common,
                row["id"],
                event.created,
            )
        # invoice.payment_failed: the paid plan holds for the grace period, then free.
        grace_until = event.created + self.settings.billing_grace_days * 86_400
        return stmt(
            "UPDATE subscriptions SET status = 'past_due',"
            " grace_until = COALESCE(grace_until, ?), provider_event_at = ?, updated_at = ?"
            " WHERE id = ? AND (provider_event_at IS NULL OR provider_event_at <= ?)",
            grace_until,
            *common,
            row["id"],
            event.created,
        )
