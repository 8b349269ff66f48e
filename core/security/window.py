"""Sliding-window counter arithmetic, shared by every ``Counter`` adapter.

The window is the IETF/Cloudflare "sliding window counter": the previous fixed
window's count, weighted by how much of it still overlaps the sliding window,
plus the current fixed window's count.
"""

from __future__ import annotations

import math
from fractions import Fraction


def window_index(now: float, window: int) -> int:
    """The fixed window ``now`` falls in."""
    return int(now // window)


def elapsed_fraction(now: float, window: int) -> float:
    return (now % window) / window


def estimate(previous: int, current: int, now: float, window: int) -> float:
    """Requests counted in the sliding window ending at ``now``."""
    return previous * (1.0 - elapsed_fraction(now, window)) + current


def admits(previous: int, current: int, now: float, window: int, limit: int, cost: int = 1) -> bool:
    return estimate(previous, current, now, window) + cost <= limit


def remaining(previous: int, current: int, now: float, window: int, limit: int) -> int:
    return max(0, math.floor(limit - estimate(previous, current, now, window)))


def retry_after(
    previous: int, current: int, now: float, window: int, limit: int, cost: int = 1
) -> int:
    """Whole seconds until a request of ``cost`` would be admitted again (0 if now).

    Computed in exact rationals: in floats ``(1 - 2/3) * 60`` is
    ``20.000000000000004``, and its ceiling a ``Retry-After`` one second too long.
    """
    if admits(previous, current, now, window, limit, cost):
        return 0
    into = Fraction(now) % window  # exact: every float is a rational
    if current + cost <= limit and previous > 0:
        # Admitted later in this window, once enough of the previous one slides out:
        # previous * (1 - t / window) + current + cost <= limit.
        needed = window - Fraction((limit - cost - current) * window, previous)
        return max(1, math.ceil(needed - into))
    # Not in this window: the current count becomes the weighted "previous" of the next.
    to_next = window - into
    if current == 0 or cost > limit:
        return max(1, math.ceil(to_next))
    needed = max(Fraction(0), 1 - Fraction(limit - cost, current))
    return max(1, math.ceil(to_next + needed * window))


def reset_seconds(now: float, window: int) -> int:
    """Seconds until the current fixed window ends (the ``t`` of ``RateLimit``)."""
    return max(1, math.ceil(window - (now % window)))
