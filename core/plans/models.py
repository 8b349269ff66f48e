"""What the plans feature answers: the subscription, its limits and usage, and a
webhook's receipt."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

Tier = Literal["free", "pro", "business"]


class MeterUsage(BaseModel):
    meter: str
    label: str
    used: int
    # None: the plan sets no limit.
    limit: int | None
    per: Literal["month", "day", "held"]


class SubscriptionOut(BaseModel):
    tier: Tier
    plan_name: str
    status: str
    period_start: str
    period_end: str
    grace_until: str | None
    usage: list[MeterUsage]


class WebhookReceipt(BaseModel):
    received: bool
    event_id: str
    outcome: str
    duplicate: bool = False
