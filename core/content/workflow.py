"""The status machine of a post, exactly the seed's transitions.

    draft -> published        publish (after moderation)
    draft -> scheduled        schedule (after moderation)
    scheduled -> published    the cron, at the scheduled time (moderation again)
    published -> archived     archive
    any -> pending_review     moderation flagged it, or an admin holds it
    pending_review -> draft   an admin approves (the author publishes from there)
    pending_review -> archived an admin rejects

Every other move is illegal: the service answers 409 and changes nothing."""

from __future__ import annotations

from typing import Literal

from core.errors import Conflict

Status = Literal["draft", "scheduled", "published", "archived", "pending_review"]
STATUSES: tuple[Status, ...] = ("draft", "scheduled", "published", "archived", "pending_review")
Action = Literal["publish", "schedule", "archive", "run_schedule", "hold", "approve", "reject"]

# Where each action may start, and where it leads.
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    "publish": (frozenset({"draft"}), "published"),
    "schedule": (frozenset({"draft"}), "scheduled"),
    "run_schedule": (frozenset({"scheduled"}), "published"),
    "archive": (frozenset({"published"}), "archived"),
    "hold": (frozenset(s for s in STATUSES if s != "pending_review"), "pending_review"),
    "approve": (frozenset({"pending_review"}), "draft"),
    "reject": (frozenset({"pending_review"}), "archived"),
}


def allowed(action: Action, status: str) -> bool:
    return status in TRANSITIONS[action][0]


def target(action: Action, status: str) -> Status:
    """The status ``action`` leads to from ``status``, or 409 when it may not run."""
    sources, to = TRANSITIONS[action]
    if status not in sources:
        raise Conflict(
            f"A post that is {status.replace('_', ' ')} cannot be {_past(action)}.",
            code="illegal_transition",
            details={"status": status, "action": action},
        )
    return to


def _past(action: Action) -> str:
    return {
        "publish": "published",
        "schedule": "scheduled",
        "run_schedule": "published on schedule",
        "archive": "archived",
        "hold": "held for review",
        "approve": "approved",
        "reject": "rejected",
    }[action]
