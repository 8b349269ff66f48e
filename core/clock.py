"""Clocks: the real one, and one that tests move by hand."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator

# The times a client may name: wide enough for any real query, narrow enough that
# moving a few years either way, or to UTC, never leaves what datetime can hold.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _bounded_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value = value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-14:00 is past year 9999 in UTC
        raise ValueError("the time is out of range") from None
    if not EARLIEST <= value < LATEST:
        raise ValueError(f"the time lies between {EARLIEST.year} and {LATEST.year}")
    return value


# A time from a client (a query parameter): in UTC, within EARLIEST and LATEST (422).
UtcTime = Annotated[datetime, AfterValidator(_bounded_utc)]


class SystemClock:
    def now(self) -> float:
        return time.time()


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, at: float = 1_790_000_000.0) -> None:
        self.at = at

    def now(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += seconds


def iso(ts: float) -> str:
    """Epoch seconds as the API's ISO-8601 UTC form, ``2026-11-21T10:00:00Z``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
