"""The account-wide GitHub rate limit, remembered in KV between runs, so that
once it is spent no run (nor a "sync now") spends a request before the reset."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass

from core.github.client import RateState
from core.ports import KeyValue

log = logging.getLogger("creator_edge.github")

GATE_KEY = "github:rate_limit"
# How long to hold off after a 429 that says neither when nor how many are left.
DEFAULT_PAUSE = 60.0
# KV takes 1000 writes a day on the free plan: what is left of the limit is kept
# only once it is low enough to shrink a run (the cron's budget is 40 requests).
LOW_WATER = 40


@dataclass(slots=True)
class Gate:
    """What GitHub last said of the limit: requests left until ``reset``, and
    a pause (the reset of a spent limit, or a retry-after) not to send before."""

    remaining: int | None = None
    reset: float | None = None
    paused_until: float | None = None
    changed: bool = False

    def paused(self, now: float) -> bool:
        return self.paused_until is not None and self.paused_until > now

    def allowance(self, budget: int, now: float) -> int:
        """How many requests a run may send now: its budget, or fewer."""
        if self.paused(now):
            return 0
        if self.remaining is not None and self.reset is not None and self.reset > now:
            return max(0, min(budget, self.remaining))
        return budget

    def observe(self, rate: RateState | None) -> None:
        """Take a response's rate-limit headers (answers may arrive out of order)."""
        if rate is None:
            return
        if self.reset is None or rate.reset > self.reset:
            self.remaining, self.reset = rate.remaining, rate.reset
        elif rate.reset == self.reset and rate.remaining < (self.remaining or 0):
            self.remaining = rate.remaining
        else:
            return
        if self.remaining < LOW_WATER:
            self.changed = True
        if self.remaining == 0:
            self.pause(self.reset)

    def pause(self, until: float) -> None:
        if self.paused_until is None or until > self.paused_until:
            self.paused_until = until
            self.changed = True


async def load_gate(kv: KeyValue) -> Gate:
    try:
        raw = await kv.get(GATE_KEY)
        data = json.loads(raw) if raw else {}
        return Gate(data.get("remaining"), data.get("reset"), data.get("paused_until"))
    except Exception:  # KV down or a bad value: start afresh, GitHub will tell again
        log.warning("could not read the GitHub rate-limit state", exc_info=True)
        return Gate()


async def save_gate(kv: KeyValue, gate: Gate, now: float) -> None:
    """Keep the state until its reset or pause has passed."""
    if not gate.changed:
        return
    until = max(gate.reset or 0.0, gate.paused_until or 0.0)
    if until <= now:
        return
    value = {k: v for k, v in asdict(gate).items() if k != "changed"}
    try:
        await kv.put(GATE_KEY, json.dumps(value), ttl=int(until - now) + 60)
        gate.changed = False
    except Exception:  # fail soft: the next answer from GitHub says it again
        log.warning("could not store the GitHub rate-limit state", exc_info=True)
