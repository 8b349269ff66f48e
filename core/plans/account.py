"""The plan's part of the account page: the same as ``GET /api/subscription``,
with a bar for each limit."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from core.data.actor import Actor
from core.http.context import request_context
from core.plans.service import subscription


class PlanOnAccountPage:
    async def account_section(
        self, request: Request, actor: Actor
    ) -> tuple[str, dict[str, Any]] | None:
        sub = await subscription(request_context(request.scope).ports, actor.user_id)
        return "account_plan.html", sub.model_dump()


ACCOUNT_SECTION = PlanOnAccountPage()
