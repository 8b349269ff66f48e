"""The ``Counter`` contract: atomic sliding-window counting, held by every adapter."""

from __future__ import annotations

import asyncio

import pytest

WINDOW = 60


@pytest.fixture
def start(counter) -> float:
    """The first second of a fixed window, shortly after the test clock's now."""
    return (counter.clock.now() // WINDOW + 1) * WINDOW


def need_exact(results) -> None:
    if not all(r.exact for r in results):
        pytest.skip("this adapter counts approximately (WindowCount.exact is False)")


async def test_exactly_limit_of_many_concurrent_hits_are_admitted(counter, start) -> None:
    hit = counter.adapter.hit
    results = await asyncio.gather(
        *(hit("ip:1", limit=100, window=WINDOW, now=start + 5) for _ in range(500))
    )
    need_exact(results)
    admitted = [r for r in results if r.allowed]
    assert len(admitted) == 100
    assert sorted(r.current for r in admitted) == list(range(1, 101))
    assert all(r.current == 100 for r in results if not r.allowed)
    after = await hit("ip:1", limit=100, window=WINDOW, now=start + 6)
    assert (after.allowed, after.previous, after.current) == (False, 0, 100)


async def test_the_previous_window_is_weighted_by_its_overlap(counter, start) -> None:
    hit = counter.adapter.hit
    first = [await hit("ip:2", limit=10, window=WINDOW, now=start + 1) for _ in range(11)]
    need_exact(first)
    assert [r.allowed for r in first] == [True] * 10 + [False]
    # Halfway through the next window, half of the previous ten still count.
    later = [await hit("ip:2", limit=10, window=WINDOW, now=start + 1.5 * WINDOW) for _ in range(8)]
    assert sum(r.allowed for r in later) == 5
    assert all(r.previous == 10 for r in later)
    assert later[-1].current == 5


async def test_keys_are_counted_separately(counter, start) -> None:
    hit = counter.adapter.hit
    for _ in range(3):
        assert (await hit("a", limit=3, window=WINDOW, now=start)).allowed
    assert not (await hit("a", limit=3, window=WINDOW, now=start)).allowed
    other = await hit("b", limit=3, window=WINDOW, now=start)
    assert (other.allowed, other.previous, other.current) == (True, 0, 1)


async def test_windows_expire(counter, start) -> None:
    hit = counter.adapter.hit
    for _ in range(5):
        await hit("ip:3", limit=5, window=WINDOW, now=start + 10)
    assert not (await hit("ip:3", limit=5, window=WINDOW, now=start + 20)).allowed
    # Two windows on, neither old window counts any more.
    fresh = await hit("ip:3", limit=5, window=WINDOW, now=start + 2 * WINDOW + 10)
    assert (fresh.allowed, fresh.previous, fresh.current) == (True, 0, 1)


async def test_cost_counts_several_requests_at_once(counter, start) -> None:
    hit = counter.adapter.hit
    results = [await hit("upload", limit=10, window=WINDOW, now=start, cost=4) for _ in range(3)]
    need_exact(results)
    assert [r.allowed for r in results] == [True, True, False]
    assert [r.current for r in results] == [4, 8, 8]
    assert (await hit("upload", limit=10, window=WINDOW, now=start, cost=2)).current == 10
