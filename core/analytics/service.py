"""The dashboard's numbers: rollups for closed hours, raw rows for the rest.

Uniques are distinct visitor hashes, and the hash changes every UTC day (its
salt does), so a visitor is a visitor-day: a range's uniques are the sum of
its days' distinct visitors. A day wholly folded is read from its daily
rollup (folded from raw rows, exact); a day only partly in the range or not
yet folded is counted from its raw rows (exact too), or, once those are past
their retention, from hourly rollups (uniques then summed over hours: an
upper bound). Counts per dimension (countries, browsers...) sum rollups;
their uniques are sums over buckets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.analytics import repo
from core.analytics.models import (
    DIMENSIONS,
    Count,
    Heatmap,
    LinkRate,
    Point,
    Ranked,
    Summary,
)
from core.analytics.rollup import DAY, HOUR, day_floor, hour_floor
from core.clock import iso
from core.ports import Database, Row


def ceil_to(at: int, width: int) -> int:
    return -(-at // width) * width


@dataclass(slots=True)
class Bucket:
    events: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    uniques: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, type_: str, events: int, uniques: int) -> None:
        self.events[type_] += events
        self.uniques[type_] += uniques


def _into(buckets: dict[int, Bucket], rows: Iterable[Row], width: int) -> None:
    for row in rows:
        start = (int(row["bucket"]) // width) * width
        buckets.setdefault(start, Bucket()).add(row["type"], row["events"], row["uniques"])


class Analytics:
    def __init__(self, db: Database, *, raw_days: int, now: float) -> None:
        self.db = db
        self.now = now
        self.raw_since = int(now - raw_days * DAY)

    async def summary(
        self,
        profile_id: str,
        start: int,
        end: int,
        interval: str,
        *,
        top_type: str = "profile_view",
        limit: int = 10,
    ) -> Summary:
        width = DAY if interval == "day" else HOUR
        start, end = (start // width) * width, ceil_to(end, width)
        watermark = await repo.folded_to(self.db)
        closed = min(max(watermark if watermark is not None else start, start), end)
        # Whole days, inside the range and folded: daily rollups.
        days_from = ceil_to(start, DAY)
        days_to = max(days_from, day_floor(closed))
        days = await self._days(profile_id, start, end, closed, days_from, days_to)
        series = await self._series(profile_id, interval, start, end, closed, days)
        dims = await self._dimensions(profile_id, start, end, closed, days_from, days_to, top_type)

        totals: dict[str, Count] = {}
        visitors = 0
        for bucket in days.values():
            for type_, n in bucket.events.items():
                if type_ == "*":
                    visitors += bucket.uniques[type_]
                    continue
                count = totals.setdefault(type_, Count(events=0, uniques=0))
                count.events += n
                count.uniques += bucket.uniques[type_]
        views = totals.get("profile_view", Count(events=0, uniques=0)).events
        top: dict[str, list[Ranked]] = {}
        for dim in DIMENSIONS:
            if dim == "link":
                continue
            ranked = sorted(
                (
                    Ranked(value=value or None, events=e, uniques=u)
                    for (type_, d, value), (e, u) in dims.items()
                    if d == dim and type_ == top_type
                ),
                key=lambda r: (-r.events, r.value or ""),
            )
            top[dim] = ranked[:limit]
        links = sorted(
            (
                LinkRate(
                    link_id=value,
                    clicks=e,
                    uniques=u,
                    ctr=round(e / views, 4) if views else None,
                )
                for (type_, d, value), (e, u) in dims.items()
                if d == "link" and type_ == "link_click" and value
            ),
            key=lambda r: (-r.clicks, r.link_id),
        )
        return Summary(
            profile_id=profile_id,
            from_=iso(start),
            to=iso(end),
            interval="day" if interval == "day" else "hour",
            totals=totals,
            visitors=visitors,
            series=series,
            top=top,
            links=links,
            folded_to=None if watermark is None else iso(watermark),
        )

    async def _days(
        self, profile_id: str, start: int, end: int, closed: int, days_from: int, days_to: int
    ) -> dict[int, Bucket]:
        """Per UTC day of the range: events and (visitor-day) uniques per type."""
        days: dict[int, Bucket] = {}
        _into(days, await repo.rollup_series(self.db, profile_id, "day", days_from, days_to), DAY)
        head_end = min(days_from, end)
        if start < head_end:  # a range starting inside a day (hourly interval)
            await self._slice(days, profile_id, start, head_end, closed)
        day = max(days_to, days_from)
        while day < end:
            hi = min(day + DAY, end)
            if day < closed < hi:  # the day of the fold's edge: folded hours, then open ones
                await self._folding_day(days, profile_id, day, hi, closed)
            else:
                await self._slice(days, profile_id, day, hi, closed)
            day += DAY
        return days

    async def _slice(
        self, days: dict[int, Bucket], profile_id: str, lo: int, hi: int, closed: int
    ) -> None:
        """Part of one day, counted from its raw rows (exact), or from hourly rollups
        once the raw rows are past their retention (uniques then an upper bound)."""
        if lo >= self.raw_since:
            rows = await repo.raw_series(self.db, profile_id, "day", lo, hi)
        else:
            rows = await repo.rollup_series(self.db, profile_id, "hour", lo, min(hi, closed))
        _into(days, rows, DAY)

    async def _folding_day(
        self, days: dict[int, Bucket], profile_id: str, day: int, hi: int, closed: int
    ) -> None:
        """The day the fold has reached: events from its folded hours plus the raw open
        part; uniques from its daily rollup (folded up to the watermark, never past it)
        plus the open part's. A visitor seen on both sides of the watermark counts
        twice until the day closes."""
        bucket = days.setdefault(day, Bucket())
        for row in await repo.rollup_series(self.db, profile_id, "hour", day, closed):
            bucket.events[row["type"]] += row["events"]
        for row in await repo.rollup_series(self.db, profile_id, "day", day, day + DAY):
            bucket.uniques[row["type"]] += row["uniques"]
        _into(days, await repo.raw_series(self.db, profile_id, "day", closed, hi), DAY)

    async def _series(
        self,
        profile_id: str,
        interval: str,
        start: int,
        end: int,
        closed: int,
        days: dict[int, Bucket],
    ) -> list[Point]:
        if interval == "day":
            buckets, width = days, DAY
        else:
            buckets, width = {}, HOUR
            _into(
                buckets, await repo.rollup_series(self.db, profile_id, "hour", start, closed), HOUR
            )
            _into(buckets, await repo.raw_series(self.db, profile_id, "hour", closed, end), HOUR)
        points = []
        for at in range(start, end, width):
            bucket = buckets.get(at) or Bucket()
            events = {t: n for t, n in bucket.events.items() if t != "*"}
            uniques = {t: n for t, n in bucket.uniques.items() if t != "*"}
            points.append(
                Point(
                    at=iso(at), events=events, uniques=uniques, visitors=bucket.uniques.get("*", 0)
                )
            )
        return points

    async def _dimensions(
        self,
        profile_id: str,
        start: int,
        end: int,
        closed: int,
        days_from: int,
        days_to: int,
        top_type: str,
    ) -> dict[tuple[str, str, str], tuple[int, int]]:
        parts: list[list[Row]] = []
        if days_from < days_to:
            parts.append(
                await repo.rollup_dimensions(
                    self.db, profile_id, "day", days_from, days_to, top_type
                )
            )
            hour_ranges = [(start, min(days_from, closed)), (days_to, closed)]
        else:
            hour_ranges = [(start, closed)]
        for lo, hi in hour_ranges:
            parts.append(
                await repo.rollup_dimensions(self.db, profile_id, "hour", lo, hi, top_type)
            )
        parts.append(
            await repo.raw_dimensions(self.db, profile_id, max(closed, start), end, top_type)
        )
        out: dict[tuple[str, str, str], tuple[int, int]] = {}
        for rows in parts:
            for row in rows:
                key = (row["type"], row["dim"], row["value"])
                e, u = out.get(key, (0, 0))
                out[key] = (e + row["events"], u + row["uniques"])
        return out

    async def heatmap(
        self, profile_id: str, path: str | None, start: int, end: int, grid: int
    ) -> Heatmap:
        cells = [[0] * grid for _ in range(grid)]
        total = 0
        for row in await repo.heatmap_cells(self.db, profile_id, path, start, end, grid):
            cells[int(row["row"])][int(row["col"])] += row["n"]
            total += row["n"]
        return Heatmap(
            profile_id=profile_id,
            path=path,
            from_=iso(start),
            to=iso(end),
            grid=grid,
            total=total,
            max=max((max(r) for r in cells), default=0),
            cells=cells,
        )


def hour_range(start: float, end: float) -> tuple[int, int]:
    return hour_floor(start), ceil_to(int(end), HOUR)
