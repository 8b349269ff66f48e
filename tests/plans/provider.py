"""A stand-in payment provider: makes events shaped like Stripe's and signs them
the way Stripe does (``Stripe-Signature: t=<time>,v1=<HMAC-SHA256 of "t.body">``),
written here from Stripe's documentation, not from the product's code."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

_counter = itertools.count(1)


def stripe_signature(secrets: list[str], timestamp: int, payload: bytes) -> str:
    signed = f"{timestamp}.".encode() + payload
    v1 = [hmac.new(s.encode(), signed, hashlib.sha256).hexdigest() for s in secrets]
    return ",".join([f"t={timestamp}", *(f"v1={sig}" for sig in v1)])


@dataclass
class StandinProvider:
    secrets: list[str]
    now: float
    sent: list[dict[str, Any]] = field(default_factory=list)

    def event(
        self, kind: str, obj: dict[str, Any], *, created: float | None = None
    ) -> dict[str, Any]:
        event = {
            "id": f"evt_{next(_counter):06d}",
            "object": "event",
            "type": kind,
            "created": int(self.now if created is None else created),
            "livemode": False,
            "data": {"object": obj},
        }
        self.sent.append(event)
        return event

    def subscription(
        self,
        kind: str,
        *,
        user_id: str,
        tier: str = "pro",
        status: str = "active",
        created: float | None = None,
        period: tuple[float, float] | None = None,
        sub_id: str = "sub_1",
        customer: str = "cus_1",
    ) -> dict[str, Any]:
        start, end = period or (self.now, self.now + 30 * 86_400)
        obj = {
            "id": sub_id,
            "object": "subscription",
            "customer": customer,
            "status": status,
            "metadata": {"user_id": user_id},
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": "si_1",
                        "price": {"id": f"price_{tier}", "lookup_key": tier},
                        "current_period_start": int(start),
                        "current_period_end": int(end),
                    }
                ],
            },
        }
        return self.event(f"customer.subscription.{kind}", obj, created=created)

    def invoice(
        self,
        kind: str,
        *,
        created: float | None = None,
        sub_id: str = "sub_1",
        customer: str = "cus_1",
        period: tuple[float, float] | None = None,
    ) -> dict[str, Any]:
        start, end = period or (self.now, self.now + 30 * 86_400)
        obj = {
            "id": f"in_{next(_counter)}",
            "object": "invoice",
            "customer": customer,
            "subscription": sub_id,
            "lines": {"data": [{"period": {"start": int(start), "end": int(end)}}]},
        }
        return self.event(f"invoice.{kind}", obj, created=created)

    def signed(
        self, event: dict[str, Any], *, secrets: list[str] | None = None, at: float | None = None
    ) -> tuple[bytes, dict[str, str]]:
        payload = json.dumps(event).encode()
        timestamp = int(self.now if at is None else at)
        header = stripe_signature(self.secrets if secrets is None else secrets, timestamp, payload)
        return payload, {"stripe-signature": header, "content-type": "application/json"}
