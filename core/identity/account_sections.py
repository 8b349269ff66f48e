"""Parts of the account page other features add (the plan and its usage): a
feature above identity provides an ``AccountSection``; the page renders each
section's template, in feature order, below the sessions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from fastapi import Request

from core.data.actor import Actor
from core.feature import Feature


@runtime_checkable
class AccountSection(Protocol):
    async def account_section(
        self, request: Request, actor: Actor
    ) -> tuple[str, dict[str, Any]] | None:
        """A template name (one of the feature's page files) and its context, or None."""
        ...


async def account_sections(
    request: Request, actor: Actor, features: Sequence[Feature]
) -> list[dict[str, Any]]:
    sections = []
    for provided in (p for f in features for p in f.provides):
        if isinstance(provided, AccountSection):
            section = await provided.account_section(request, actor)
            if section is not None:
                template, context = section
                sections.append({"template": template, "context": context})
    return sections
