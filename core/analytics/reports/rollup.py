"""Folding raw events into hourly and daily rollups.

Each fold rebuilds whole buckets from the raw rows: the GROUP BY runs as a read
(locally on a read connection, so it holds no lock a request's write would wait
for), then batches of at most ``CHUNK_ROWS`` rows swap the buckets' rows for the
new ones, so folding an hour again, in any order, gives the same rows. Each batch
is one short write transaction (a profile's bucket whole in one, old rows deleted
by id): a request's write waits for one batch, never for the whole fold. The
watermark moves in the last batch of a fold, after the hours and then the days;
in the moments between, a summary of a profile whose day was already swapped may
count the newly folded hours' visitors of that day twice. Daily rows are folded
from the raw rows of the day, not summed from hours: distinct visitors do not add
up across buckets. The hourly job refolds the last two closed hours
(late events) and the days they touch, and catches up on hours a missed run
left behind, a day at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from core.analytics import repo
from core.ports import Database, Statement

HOUR = repo.HOUR
DAY = repo.DAY
REFOLD_HOURS = 2
# Catch-up is bounded per run: a day at a time, this many days at most.
MAX_CATCHUP_DAYS = 31
# Rollup rows deleted plus inserted per write batch: a few milliseconds of the write
# lock locally (3-5 ms for 500 on this class of machine), so a request's write
# queued behind one waits little; well inside D1's limits for one batch.
CHUNK_ROWS = 500


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


async def fold_chunks(
    db: Database, start: int, end: int, closed: int | None = None, *, chunk_rows: int = CHUNK_ROWS
) -> list[repo.RollupSwap]:
    """What ``fold_batch`` writes, as batches of at most ``chunk_rows`` rows each: the
    hours' first, then the days'. Written in order, they leave the rows one batch of
    ``fold_batch`` would."""
    closed = end if closed is None else max(end, closed)
    first_day, last_day = day_floor(start), day_floor(end - 1) + DAY
    day_end = min(last_day, closed)
    swaps: list[repo.RollupSwap] = []
    for grain, lo, hi in (("hour", start, end), ("day", first_day, day_end)):
        rows = await repo.fold_rows(db, grain, lo, hi)
        stored = await repo.stored_rollups(db, grain, lo, hi)
        swaps += repo.rollup_swaps(rows, stored, chunk_rows)
    return swaps


async def write_chunks(
    db: Database, swaps: Sequence[repo.RollupSwap], last: Sequence[Statement] = ()
) -> None:
    """Write each swap as its own batch, ``last`` with the final one, yielding between
    them so that writes queued meanwhile (a request's) run in between."""
    for n, swap in enumerate(swaps):
        if n:
            await asyncio.sleep(0)
        await db.batch([*swap.statements(), *(last if n == len(swaps) - 1 else ())])
    if not swaps and last:
        await db.batch(list(last))


async def fold(db: Database, start: int, end: int, *, chunk_rows: int = CHUNK_ROWS) -> None:
    """Fold the hours [start, end) (hour-aligned epoch seconds) and their days."""
    if start < end:
        watermark = await repo.folded_to(db)
        await write_chunks(db, await fold_chunks(db, start, end, watermark, chunk_rows=chunk_rows))


async def rollup_recent(
    db: Database, now: float, *, chunk_rows: int = CHUNK_ROWS
) -> dict[str, int]:
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
        chunks = await fold_chunks(db, start, end, chunk_rows=chunk_rows)
        await write_chunks(db, chunks, [repo.set_folded_to_statement(end)])
        folded += (end - start) // HOUR
        start = end
    return {"hours": folded}
