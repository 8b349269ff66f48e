"""Web vitals: the beacon stored after the response, hourly and daily rollups
into sketches, and percentiles read back from them."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from core.clock import iso
from core.ids import new_id
from core.monitoring import repo
from core.monitoring.models import Percentiles, VitalsBeacon
from core.monitoring.sketch import Sketch
from core.monitoring.thresholds import UNITS, VITALS, rate
from core.ports import Database, Ports

log = logging.getLogger("creator_edge.monitoring")
HOUR = 3600
DAY = 86400
ROLLUP_LOOKBACK_HOURS = 3  # late beacons of the last hours are folded again


@dataclass(frozen=True, slots=True)
class Owners:
    """Whose a public profile is: the analytics ``ProfileDirectory``, if the app has one."""

    directory: object | None

    async def of(self, db: Database, profile_id: str | None) -> str | None:
        if profile_id is None or self.directory is None:
            return None
        owners: dict[str, str] = await self.directory.public_owners(db, [profile_id])  # type: ignore[attr-defined]
        return owners.get(profile_id)


async def store_beacon(
    ports: Ports, owners: Owners, beacon: VitalsBeacon, *, at: float, private: bool
) -> int:
    """Store the beacon's values for the profile's owner (none known: nothing)."""
    owner = await owners.of(ports.db, beacon.profile_id)
    if owner is None:
        return 0
    created = iso(at)
    rows = [
        (
            new_id(at),
            owner,
            beacon.profile_id,
            None if private else beacon.session_id,
            m.name,
            m.value,
            UNITS[m.name],
            rate(m.name, m.value),
            beacon.page,
            beacon.device,
            None
            if private or m.navigation_type is None
            else json.dumps({"navigation_type": m.navigation_type}),
            at,
            created,
        )
        for m in beacon.metrics
    ]
    await repo.insert_vitals(ports.db, rows)
    return len(rows)


# ------------------------------------------------------------------ rollups

Key = tuple[str, str, str, str]  # owner, metric, page, device
# The page or device of rows over every page or device: a query that does not
# split by them reads those rows alone (a page always starts with "/").
ALL = "*"


def with_totals(fine: dict[Key, tuple[Sketch, float]]) -> dict[Key, tuple[Sketch, float]]:
    """``fine``'s sketches plus their merges over every page, every device and both."""
    out = dict(fine)
    for (owner, metric, page, device), (sketch, total) in fine.items():
        for key in (
            (owner, metric, ALL, device),
            (owner, metric, page, ALL),
            (owner, metric, ALL, ALL),
        ):
            merged, sum_ = out.get(key) or (Sketch(), 0.0)
            merged.merge(sketch)
            out[key] = (merged, sum_ + total)
    return out


def _rows(
    grain: str, bucket: int, sketches: dict[Key, tuple[Sketch, float]]
) -> list[tuple[object, ...]]:
    return [
        (new_id(), owner, grain, bucket, metric, page, device, s.count, total, s.to_json())
        for (owner, metric, page, device), (s, total) in sketches.items()
    ]


async def rollup_hour(db: Database, hour: int) -> int:
    """Rebuild the rollups of the hour starting at ``hour``, then of its day."""
    fine: dict[Key, tuple[Sketch, float]] = {}
    for r in await repo.vitals_between(db, hour, hour + HOUR):
        key = (r["owner_id"], r["metric_type"], r["page_url"], r["device_type"])
        sketch, total = fine.get(key) or (Sketch(), 0.0)
        sketch.add(r["metric_value"])
        fine[key] = (sketch, total + r["metric_value"])
    sketches = with_totals(fine)
    day = hour - hour % DAY
    statements = repo.replace_rollups("hour", hour, _rows("hour", hour, sketches))
    await db.batch(statements)
    await rollup_day(db, day)
    return len(sketches)


async def rollup_day(db: Database, day: int) -> None:
    """The day's rows: its hours' sketches merged (exactly: counts add)."""
    merged: dict[Key, tuple[Sketch, float]] = {}
    rows = await db.all(
        "SELECT owner_id, metric_type, page_url, device_type, total, sketch"
        " FROM performance_rollups WHERE grain = 'hour' AND bucket >= ? AND bucket < ?",
        day,
        day + DAY,
    )
    for r in rows:
        key = (r["owner_id"], r["metric_type"], r["page_url"], r["device_type"])
        sketch, total = merged.get(key) or (Sketch(), 0.0)
        sketch.merge(Sketch.from_json(r["sketch"]))
        merged[key] = (sketch, total + r["total"])
    await db.batch(repo.replace_rollups("day", day, _rows("day", day, merged)))


async def rollup_recent(db: Database, now: float) -> None:
    """The hourly job's work: the last hours (late beacons included) and the open
    one so far (rebuilt whole next time)."""
    current = int(now) - int(now) % HOUR
    for back in range(ROLLUP_LOOKBACK_HOURS, -1, -1):
        await rollup_hour(db, current - back * HOUR)


# ------------------------------------------------------------------ queries


def split_range(start: int, end: int) -> tuple[list[tuple[str, int, int]], int, int]:
    """``[start, end)`` (whole hours) as day-grain spans for whole days and
    hour-grain spans for the edges: (grain, from, to) each."""
    first_day = -(-start // DAY) * DAY
    last_day = end - end % DAY
    if first_day >= last_day:
        return [("hour", start, end)], start, end
    spans = [("day", first_day, last_day)]
    if start < first_day:
        spans.append(("hour", start, first_day))
    if last_day < end:
        spans.append(("hour", last_day, end))
    return spans, start, end


async def percentiles(
    db: Database,
    owner_id: str,
    start: int,
    end: int,
    *,
    metric: str | None = None,
    page: str | None = None,
    device: str | None = None,
    group_by: Sequence[str] = (),
) -> list[Percentiles]:
    """p50, p75 and p95 of each metric (and page or device, if grouped by them)."""
    filters: dict[str, str] = {}
    exclude: list[str] = []
    for column, value, split in (
        ("page_url", page, "page" in group_by),
        ("device_type", device, "device" in group_by),
    ):
        if value is not None:
            filters[column] = value
        elif split:
            exclude.append(column)  # every real one, not the rows over all
        else:
            filters[column] = ALL
    spans, _, _ = split_range(start, end)
    merged: dict[tuple[str, str | None, str | None], Sketch] = defaultdict(Sketch)
    # One query per metric and grain: each seeks the key's prefix (owner, metric,
    # grain, page, device) and reads a range of buckets.
    queries = [
        (grain, frm, to, {**filters, "metric_type": name})
        for name in ((metric,) if metric is not None else VITALS)
        for grain, frm, to in spans
    ]
    for grain, frm, to, where in queries:
        for r in await repo.rollups(db, owner_id, grain, frm, to, where, exclude):
            key = (
                r["metric_type"],
                r["page_url"] if "page" in group_by else page,
                r["device_type"] if "device" in group_by else device,
            )
            merged[key].merge(Sketch.from_json(r["sketch"]))
    out = []
    for (name, pg, dev), sketch in sorted(
        merged.items(), key=lambda kv: tuple(str(k) for k in kv[0])
    ):
        p50, p75, p95 = (sketch.quantile(q) for q in (0.5, 0.75, 0.95))
        out.append(
            Percentiles(
                metric=name,
                page=pg,
                device_type=dev,
                count=sketch.count,
                p50=_round(p50),
                p75=_round(p75),
                p95=_round(p95),
                rating=rate(name, p75) if p75 is not None else None,
                unit=UNITS[name],
            )
        )
    return out


async def daily_p75(
    db: Database, owner_id: str, start: int, end: int
) -> dict[str, list[list[float]]]:
    """Each vital's p75 per day of ``[start, end)``: ``{metric: [[day, p75], ...]}``."""
    first = start - start % DAY
    days: dict[tuple[str, int], Sketch] = defaultdict(Sketch)
    for r in await db.all(
        "SELECT metric_type, bucket, sketch FROM performance_rollups WHERE owner_id = ?"
        " AND metric_type IN ('LCP', 'INP', 'CLS', 'FCP', 'TTFB') AND grain = 'day'"
        " AND page_url = '*' AND device_type = '*' AND bucket >= ? AND bucket < ?",
        owner_id,
        first,
        end,
    ):
        days[(r["metric_type"], r["bucket"])].merge(Sketch.from_json(r["sketch"]))
    out: dict[str, list[list[float]]] = {}
    for (metric, day), sketch in sorted(days.items()):
        p75 = sketch.quantile(0.75)
        if p75 is not None:
            out.setdefault(metric, []).append([day, float(f"{p75:.6g}")])
    return out


def _round(value: float | None) -> float | None:
    # Six significant digits: well inside the sketch's 1 % at every scale (a CLS of 0.002).
    return None if value is None else float(f"{value:.6g}")
