"""Folding raw events into hourly and daily rollups.

Each fold rebuilds whole buckets from the raw rows: the GROUP BY runs as a read
(locally on a read connection, so it holds no lock a request's write would wait
for), then one short atomic batch swaps the buckets' rows for the new ones, so
folding an hour again, in any order, gives the same rows. Daily rows are
folded from the raw rows of the day, not summed from hours: distinct visitors
do not add up across buckets. The hourly job refolds the last two closed hours
(late events) and the days they touch, and catches up on hours a missed run
left behind, a day per batch.
"""

from __future__ import annotations

from core.analytics import repo
from core.ports import Database, Statement

HOUR = repo.HOUR
DAY = repo.DAY
REFOLD_HOURS = 2
# Catch-up is bounded per run: a day a batch, this many days at most.
MAX_CATCHUP_DAYS = 31


def hour_floor(at: float) -> int:
    return int(at // HOUR) * HOUR


def day_floor(at: float) -> int:
    return int(at // DAY) * DAY


async def fold_batch(
    db: Database, start: int, end: int, closed: int | None = None
) -> list[Statement]:
    """Statements that fold the hours of [start, end) and every day they touch.

    A day is folded from its raw rows up to ``closed`` (the fold's watermark, at
    least ``end``), never past it: the open hours stay out of the daily rows, so
    a summary can add the open hours' raw uniques without counting them twice.
    The rows are computed here, by reads; the statements only write them.
    """
    closed = end if closed is None else max(end, closed)
    first_day, last_day = day_floor(start), day_floor(end - 1) + DAY
    day_end = min(last_day, closed)
    hours = await repo.fold_rows(db, "hour", start, end)
    days = await repo.fold_rows(db, "day", first_day, day_end)
    return [
        *repo.replace_rollups_statements("hour", start, end, hours),
        *repo.replace_rollups_statements("day", first_day, day_end, days),
    ]


async def fold(db: Database, start: int, end: int) -> None:
    """Fold the hours [start, end) (hour-aligned epoch seconds) and their days."""
    if start < end:
        watermark = await repo.folded_to(db)
        await db.batch(await fold_batch(db, start, end, watermark))


async def rollup_recent(db: Database, now: float) -> dict[str, int]:
    """The hourly job: fold up to the open hour, refolding the last ``REFOLD_HOURS``."""
    open_hour = hour_floor(now)
    start = open_hour - REFOLD_HOURS * HOUR
    watermark = await repo.folded_to(db)
    if watermark is None:
        oldest = await repo.oldest_raw_ms(db)
        watermark = hour_floor(oldest / 1000) if oldest is not None else start
    start = max(min(start, watermark), open_hour - MAX_CATCHUP_DAYS * DAY)
    folded = 0
    while start < open_hour:
        end = min(open_hour, day_floor(start) + DAY)
        await db.batch([*await fold_batch(db, start, end), repo.set_folded_to_statement(end)])
        folded += (end - start) // HOUR
        start = end
    return {"hours": folded}
