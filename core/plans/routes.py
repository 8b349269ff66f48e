"""Plans over HTTP: the owner's subscription, and the payment provider's webhook."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from core.data.actor import Actor
from core.http.context import request_context
from core.identity import current_actor
from core.plans.models import SubscriptionOut, WebhookReceipt
from core.plans.service import subscription
from core.plans.signature import HEADER
from core.plans.snapshot import refresh
from core.plans.webhooks import Webhooks

router = APIRouter(tags=["plans"])

WEBHOOK_PATH = "/api/billing/webhook"

_WEBHOOK_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["id", "type", "created", "data"],
                "properties": {
                    "id": {"type": "string"},
                    "type": {"type": "string"},
                    "created": {"type": "integer"},
                    "data": {"type": "object"},
                },
            }
        }
    },
}


@router.get("/api/subscription", response_model=SubscriptionOut)
async def my_subscription(request: Request, actor: Actor = Depends(current_actor)) -> Any:
    """My plan, its limits and my usage this period."""
    return await subscription(request_context(request.scope).ports, actor.user_id)


@router.post(
    WEBHOOK_PATH,
    response_model=WebhookReceipt,
    openapi_extra={"requestBody": _WEBHOOK_BODY},
    responses={400: {"description": "bad, old or replayed signature; malformed event"}},
)
async def billing_webhook(request: Request) -> Any:
    """Payment events (Stripe-style signature in ``Stripe-Signature``); idempotent by event id."""
    ctx = request_context(request.scope)
    body = await request.body()
    webhooks = Webhooks(ctx.ports, request.app.state.settings)
    receipt, changed = await webhooks.receive(request.headers.get(HEADER), body)
    if changed is not None:
        await refresh(ctx.ports, changed, request.app.state)
    return receipt
