"""A mergeable quantile sketch for the hourly vitals rollups.

Exact percentiles cannot be summed: the p75 of two hours is not a function of
their two p75s. So each rollup keeps a fixed logarithmic histogram, the bucket
scheme of DDSketch (Masson et al., VLDB 2019): a value ``x > 0`` falls in bucket
``ceil(log_gamma(x))`` with ``gamma = (1 + a) / (1 - a)``, and every value of a
bucket is within relative error ``a`` of the bucket's representative
``2 gamma^i / (gamma + 1)``. Sketches merge by adding counts, so an hour, a day
and a month are answered alike, and a percentile read back is within ``a`` (1 %)
of the exact percentile of the raw values (the value at rank ``floor(q (n - 1))``).

Chosen over a fixed linear histogram because vitals span four decades (a CLS
of 0.01 and an LCP of 30 s) and a relative bound holds at every scale; over
t-digest because DDSketch's merge is exact and its error bound does not depend
on the data or the merge order. Values at or below ``MIN_VALUE`` count as 0.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

RELATIVE_ERROR = 0.01
GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
_LOG_GAMMA = math.log(GAMMA)
MIN_VALUE = 1e-6
ZERO = "z"


class Sketch:
    """Counts by bucket index; ``zero`` holds the values at or below ``MIN_VALUE``."""

    __slots__ = ("buckets", "count", "zero")

    def __init__(self) -> None:
        self.buckets: dict[int, int] = {}
        self.zero = 0
        self.count = 0

    @staticmethod
    def index(value: float) -> int:
        return math.ceil(math.log(value) / _LOG_GAMMA)

    def add(self, value: float, count: int = 1) -> None:
        if value <= MIN_VALUE:
            self.zero += count
        else:
            i = self.index(value)
            self.buckets[i] = self.buckets.get(i, 0) + count
        self.count += count

    def extend(self, values: Iterable[float]) -> None:
        for value in values:
            self.add(value)

    def merge(self, other: Sketch) -> None:
        for i, n in other.buckets.items():
            self.buckets[i] = self.buckets.get(i, 0) + n
        self.zero += other.zero
        self.count += other.count

    def quantile(self, q: float) -> float | None:
        """The value at rank ``floor(q (count - 1))``, within ``RELATIVE_ERROR``."""
        if self.count == 0:
            return None
        rank = math.floor(q * (self.count - 1))
        seen = self.zero
        if rank < seen:
            return 0.0
        for i in sorted(self.buckets):
            seen += self.buckets[i]
            if rank < seen:
                return 2 * GAMMA**i / (GAMMA + 1)
        return 2 * GAMMA ** max(self.buckets) / (GAMMA + 1)  # pragma: no cover (rank < count)

    def to_json(self) -> str:
        data: dict[str, int] = {str(i): n for i, n in sorted(self.buckets.items())}
        if self.zero:
            data[ZERO] = self.zero
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Sketch:
        sketch = cls()
        for key, n in json.loads(raw).items():
            if key == ZERO:
                sketch.zero += n
            else:
                sketch.buckets[int(key)] = n
            sketch.count += n
        return sketch
