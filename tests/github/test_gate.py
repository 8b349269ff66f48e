"""The remembered GitHub rate limit: what is kept, and when KV is written."""

from __future__ import annotations

import json

import pytest

from core.github.client import RateState
from core.github.gate import GATE_KEY, LOW_WATER, Gate, load_gate, save_gate

NOW = 1_790_000_000.0


def test_answers_out_of_order_keep_the_lowest_of_the_newest_window() -> None:
    gate = Gate()
    gate.observe(RateState(4000, NOW + 100))
    gate.observe(RateState(4100, NOW + 100))  # an older answer, arriving late
    assert gate.remaining == 4000
    gate.observe(RateState(5000, NOW + 3700))  # a new window
    gate.observe(RateState(10, NOW + 100))  # the old one: ignored
    assert (gate.remaining, gate.reset) == (5000, NOW + 3700)
    assert not gate.changed  # plenty left: nothing worth a KV write


def test_a_spent_limit_pauses_until_the_reset() -> None:
    gate = Gate()
    gate.observe(RateState(0, NOW + 600))
    assert gate.paused(NOW) and not gate.paused(NOW + 600)
    assert gate.allowance(40, NOW) == 0
    assert gate.allowance(40, NOW + 600) == 40


def test_a_low_limit_shrinks_the_next_run() -> None:
    gate = Gate()
    gate.observe(RateState(LOW_WATER - 30, NOW + 600))
    assert gate.changed
    assert gate.allowance(40, NOW) == LOW_WATER - 30
    assert gate.allowance(40, NOW + 601) == 40


async def test_kv_is_written_only_when_it_matters(runtime) -> None:
    kv = runtime.ports().kv
    plenty = Gate()
    plenty.observe(RateState(4000, NOW + 600))
    await save_gate(kv, plenty, NOW)
    assert await kv.get(GATE_KEY) is None

    spent = Gate()
    spent.observe(RateState(0, NOW + 600))
    await save_gate(kv, spent, NOW)
    stored = json.loads(await kv.get(GATE_KEY))
    assert stored == {"remaining": 0, "reset": NOW + 600, "paused_until": NOW + 600}
    loaded = await load_gate(kv)
    assert loaded.paused(NOW) and not loaded.changed


@pytest.mark.planted_error
async def test_a_bad_stored_value_is_forgotten(runtime) -> None:
    await runtime.ports().kv.put(GATE_KEY, "{not json", ttl=600)
    gate = await load_gate(runtime.ports().kv)
    assert gate.allowance(40, NOW) == 40
