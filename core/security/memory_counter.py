"""``Counter`` in this process's memory: exact for one process, no I/O per decision.

The local runtime's counter when one process serves the data dir (the default
of ``python -m core serve``), and the stand-in ``FallbackCounter`` counts in
while Redis is down. Several processes must share a counter instead (SQLite
file or Redis): each would otherwise admit the whole limit on its own.
"""

from __future__ import annotations

from collections import OrderedDict

from core.ports import WindowCount
from core.security.window import admits, window_index

MAX_LOCAL_KEYS = 100_000


class MemoryCounter:
    """``Counter`` in an ordered dict, exact within this process."""

    def __init__(self, max_keys: int = MAX_LOCAL_KEYS) -> None:
        # (key, window size, window index) -> count, least recently counted first.
        self._counts: OrderedDict[tuple[str, int, int], int] = OrderedDict()
        self._max_keys = max_keys

    async def hit(
        self, key: str, *, limit: int, window: int, now: float, cost: int = 1
    ) -> WindowCount:
        if window <= 0 or cost < 0:
            raise ValueError("window must be positive and cost not negative")
        index = window_index(now, window)
        counts = self._counts
        previous = counts.get((key, window, index - 1), 0)
        current = counts.get((key, window, index), 0)
        if not admits(previous, current, now, window, limit, cost):
            return WindowCount(False, previous, current)
        current += cost
        slot = (key, window, index)
        counts[slot] = current
        counts.move_to_end(slot)
        self._sweep(now)
        return WindowCount(True, previous, current)

    def _sweep(self, now: float) -> None:
        # Amortised O(1): the stalest windows sit at the front. A window is read
        # as "previous" until two windows after its start; then it is dead.
        counts = self._counts
        while counts:
            _, size, idx = next(iter(counts))
            if (idx + 2) * size > now and len(counts) <= self._max_keys:
                break
            counts.popitem(last=False)

    def __len__(self) -> int:
        return len(self._counts)
