"""Billing periods: a month from the period's start (the day clipped to the
month's length), and the UTC day API calls count in."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

DAY = 86_400.0


def add_month(ts: float, months: int = 1) -> float:
    """``ts`` moved on by ``months`` calendar months (Jan 31 + 1 is Feb 28 or 29)."""
    at = datetime.fromtimestamp(ts, UTC)
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day).timestamp()


def period_after(start: float, end: float, now: float) -> tuple[float, float]:
    """The period that holds ``now``, counting whole months on from ``[start, end)``
    (several, when the resets were missed)."""
    while end <= now:
        start, end = end, add_month(end)
    return start, end


def day_start(now: float) -> float:
    """Midnight UTC of the day that holds ``now``."""
    return now - now % DAY
