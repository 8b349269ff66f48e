"""What only the in-memory counter promises: dead windows leave, the size is bounded."""

from __future__ import annotations

from core.security.memory_counter import MemoryCounter


async def test_windows_two_windows_old_are_dropped() -> None:
    counter = MemoryCounter()
    for i in range(50):
        await counter.hit(f"ip:{i}", limit=10, window=60, now=600.0)
    assert len(counter) == 50
    # Still the "previous" window of each key a window later: kept.
    await counter.hit("other", limit=10, window=60, now=661.0)
    assert len(counter) == 51
    # Two windows on they can no longer count: the next decision drops them.
    await counter.hit("other", limit=10, window=60, now=721.0)
    assert len(counter) == 2  # "other" in the windows starting at 660 and 720


async def test_the_number_of_windows_is_bounded() -> None:
    counter = MemoryCounter(max_keys=100)
    for i in range(1000):
        await counter.hit(f"ip:{i}", limit=10, window=60, now=600.0)
    assert len(counter) == 100
    # The most recently counted survive, exact.
    assert (await counter.hit("ip:999", limit=10, window=60, now=600.0)).current == 2
