"""The dashboard's numbers: rollups for closed hours, raw rows for the rest.

Uniques are distinct visitor hashes, and the hash changes every UTC day (its
salt does), so a visitor is a visitor-day: a range's uniques are the sum of
its days' distinct visitors. A day wholly folded is read from its daily
rollup (folded from raw rows, exact); a day only partly in the range or not
yet folded is counted from its raw rows (exact too), or, once those are past
their retention, from hourly rollups (uniques then summed over hours: an
upper bound). Counts per dimension (countries, browsers...) sum rollups;
their uniques are sums over buckets.

A summary reads the fold's watermark, then everything else in one compound
statement (``repo.SummaryReads``): the rollups, and the raw rows from the
watermark on (the open hour) read once for its series and its dimensions.
Those raw rows, each grouped ten times (by type twice, by each dimension), are
most of a summary's cost: it grows with the open hour's traffic.
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
from core.analytics.reports.rollup import DAY, HOUR, day_floor, hour_floor
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


# What a read adds to the buckets: its events and uniques, or only one of the two.
_BOTH, _EVENTS, _UNIQUES = "both", "events", "uniques"


def _into(buckets: dict[int, Bucket], rows: Iterable[Row], width: int, adds: str = _BOTH) -> None:
    for row in rows:
        start = (int(row["bucket"]) // width) * width
        bucket = buckets.setdefault(start, Bucket())
        if adds == _BOTH:
            bucket.add(row["type"], row["events"], row["uniques"])
        elif adds == _EVENTS:
            bucket.events[row["type"]] += row["events"]
        else:
            bucket.uniques[row["type"]] += row["uniques"]


def _points(buckets: dict[int, Bucket], start: int, end: int, width: int) -> list[Point]:
    points = []
    for at in range(start, end, width):
        bucket = buckets.get(at) or Bucket()
        events = {t: n for t, n in bucket.events.items() if t != "*"}
        uniques = {t: n for t, n in bucket.uniques.items() if t != "*"}
        points.append(
            Point(at=iso(at), events=events, uniques=uniques, visitors=bucket.uniques.get("*", 0))
        )
    return points


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
        # Every read is gathered first, then all run in one statement (a few at most).
        reads = repo.SummaryReads(profile_id, top_type)
        # The open range, from the watermark on, is read from raw rows once for all of
        # its uses. Its rows are held for those reads when there can be only a few hours
        # of them (the fold runs hourly); past the present there are none.
        raw_to = min(end, ceil_to(int(self.now) + 1, HOUR))
        reads.open_range(
            closed, end, hours=interval != "day", hold=raw_to - closed <= repo.HOLD_OPEN_SECONDS
        )
        day_reads = self._days(reads, start, end, closed, days_from, days_to)
        series_reads = self._series(reads, interval, start, closed)
        dim_parts = self._dimensions(reads, start, closed, days_from, days_to)
        found = await reads.run(self.db)

        days: dict[int, Bucket] = {}
        for part, adds in day_reads:
            _into(days, found.get(part, ()), DAY, adds)
        if interval == "day":
            series = _points(days, start, end, DAY)
        else:
            hours: dict[int, Bucket] = {}
            for part in series_reads:
                _into(hours, found.get(part, ()), HOUR)
            series = _points(hours, start, end, HOUR)
        dims: dict[tuple[str, str, str], tuple[int, int]] = {}
        for part in dim_parts:
            for row in found.get(part, ()):
                key = (row["type"], row["dim"], row["value"])
                e, u = dims.get(key, (0, 0))
                dims[key] = (e + row["events"], u + row["uniques"])

        events: dict[str, int] = {}
        uniques: dict[str, int] = {}
        visitors = 0
        for bucket in days.values():
            for type_, n in bucket.events.items():
                if type_ == "*":
                    visitors += bucket.uniques[type_]
                    continue
                events[type_] = events.get(type_, 0) + n
                uniques[type_] = uniques.get(type_, 0) + bucket.uniques[type_]
        totals = {t: Count(events=n, uniques=uniques[t]) for t, n in events.items()}
        views = events.get("profile_view", 0)
        top: dict[str, list[Ranked]] = {}
        for dim in DIMENSIONS:
            if dim == "link":
                continue
            ranked = sorted(
                (
                    (value, e, u)
                    for (type_, d, value), (e, u) in dims.items()
                    if d == dim and type_ == top_type
                ),
                key=lambda r: (-r[1], r[0]),
            )
            top[dim] = [Ranked(value=v or None, events=e, uniques=u) for v, e, u in ranked[:limit]]
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

    def _days(
        self,
        reads: repo.SummaryReads,
        start: int,
        end: int,
        closed: int,
        days_from: int,
        days_to: int,
    ) -> list[tuple[int, str]]:
        """Per UTC day of the range: events and (visitor-day) uniques per type, as the
        reads that give them and what each adds."""
        days = [(reads.rollup_series("day", days_from, days_to), _BOTH)]
        head_end = min(days_from, end)
        if start < head_end:  # a range starting inside a day (hourly interval)
            days.append(self._slice(reads, start, head_end, closed))
        day = max(days_to, days_from)
        while day < end:
            hi = min(day + DAY, end)
            if day < closed < hi:  # the day of the fold's edge: folded hours, then open ones
                days += self._folding_day(reads, day, hi, closed)
            else:
                days.append(self._slice(reads, day, hi, closed))
            day += DAY
        return days

    def _slice(self, reads: repo.SummaryReads, lo: int, hi: int, closed: int) -> tuple[int, str]:
        """Part of one day, counted from its raw rows (exact), or from hourly rollups
        once the raw rows are past their retention (uniques then an upper bound)."""
        if lo >= self.raw_since:
            return reads.raw_series("day", lo, hi), _BOTH
        return reads.rollup_series("hour", lo, min(hi, closed)), _BOTH

    def _folding_day(
        self, reads: repo.SummaryReads, day: int, hi: int, closed: int
    ) -> list[tuple[int, str]]:
        """The day the fold has reached: events from its folded hours plus the raw open
        part; uniques from its daily rollup (folded up to the watermark, never past it)
        plus the open part's. A visitor seen on both sides of the watermark counts
        twice until the day closes."""
        return [
            (reads.rollup_series("hour", day, closed), _EVENTS),
            (reads.rollup_series("day", day, day + DAY), _UNIQUES),
            (reads.raw_series("day", closed, hi), _BOTH),
        ]

    def _series(
        self, reads: repo.SummaryReads, interval: str, start: int, closed: int
    ) -> list[int]:
        """The hourly series' reads (a daily series is the days themselves)."""
        if interval == "day":
            return []
        return [reads.rollup_series("hour", start, closed), reads.open_hours]

    def _dimensions(
        self,
        reads: repo.SummaryReads,
        start: int,
        closed: int,
        days_from: int,
        days_to: int,
    ) -> list[int]:
        parts: list[int] = []
        if days_from < days_to:
            parts.append(reads.rollup_dimensions("day", days_from, days_to))
            hour_ranges = [(start, min(days_from, closed)), (days_to, closed)]
        else:
            hour_ranges = [(start, closed)]
        for lo, hi in hour_ranges:
            parts.append(reads.rollup_dimensions("hour", lo, hi))
        parts.append(reads.open_dimensions)
        return parts

    async def heatmap(
        self, profile_id: str, path: str | None, start: int, end: int, grid: int
    ) -> Heatmap:
        cells = [[0] * grid for _ in range(grid)]
        total = 0
        for row in await repo.heatmap_cells(self.db, profile_id, path, start, end, grid):
            # int(): D1 hands numbers over as JavaScript numbers, which may arrive as floats.
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
