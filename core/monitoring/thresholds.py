"""Web vitals: units, accepted ranges and the good / poor thresholds of
``references.md`` (Google's), judged at the 75th percentile."""

from __future__ import annotations

from typing import Literal

Vital = Literal["LCP", "INP", "CLS", "FCP", "TTFB"]
Rating = Literal["good", "needs-improvement", "poor"]

# metric -> (good at most, poor above)
THRESHOLDS: dict[str, tuple[float, float]] = {
    "LCP": (2500.0, 4000.0),
    "INP": (200.0, 500.0),
    "CLS": (0.1, 0.25),
    "FCP": (1800.0, 3000.0),
    "TTFB": (800.0, 1800.0),
}
UNITS: dict[str, str] = {"LCP": "ms", "INP": "ms", "CLS": "score", "FCP": "ms", "TTFB": "ms"}
# The largest value accepted: beyond it a beacon is broken, not slow.
MAX_VALUE: dict[str, float] = {
    "LCP": 600_000,
    "INP": 600_000,
    "CLS": 100,
    "FCP": 600_000,
    "TTFB": 600_000,
}
VITALS: tuple[str, ...] = tuple(THRESHOLDS)
PERCENTILES = (0.5, 0.75, 0.95)


def rate(metric: str, value: float) -> Rating:
    good, poor = THRESHOLDS[metric]
    if value <= good:
        return "good"
    if value > poor:
        return "poor"
    return "needs-improvement"
