"""The analytics fold's chunked writes on Miniflare's D1 through the worker's
adapter: each chunk its own batch (old rows deleted by id through ``json_each``),
and together the rows one batch of the whole fold gives."""

from __future__ import annotations

import random

import _tier  # type: ignore[import-not-found]

from core.analytics import repo
from core.analytics.reports import rollup
from tests.pyodide.edge import migrate
from worker.bindings import D1Database

START = 1_790_000_000 // 86400 * 86400 + 21 * 3600  # 21:00 UTC: the span crosses midnight
HOURS = 5


def events(seed: int, n: int) -> list[tuple]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        values = dict.fromkeys(repo.COLUMNS)
        profile = rng.choice(["p1", "p2", "p3"])
        kind = rng.choice(["profile_view", "link_click", "page_view"])
        values.update(
            ts=(START + rng.randrange(HOURS * 3600)) * 1000,
            type=kind,
            owner_id="owner-" + profile,
            profile_id=profile,
            visitor=f"v{rng.randrange(12)}",
            country=rng.choice(["DE", "FR", None]),
            browser=rng.choice(["Chrome", "Firefox", None]),
            link_id=rng.choice(["l1", "l2"]) if kind == "link_click" else None,
        )
        out.append(tuple(values[c] for c in repo.COLUMNS))
    return out


async def rollups(db: D1Database) -> list[tuple]:
    rows = await db.all(
        "SELECT owner_id, profile_id, grain, bucket, type, dim, value, events, uniques"
        " FROM analytics_rollups ORDER BY profile_id, grain, bucket, dim, type, value"
    )
    return [tuple(int(v) if isinstance(v, float) else v for v in r.values()) for r in rows]


async def test_a_chunked_fold_on_d1_gives_the_rows_of_one_batch() -> None:
    await _tier.reset()
    await migrate(_tier.env.DB)
    db = D1Database(_tier.env.DB)
    lo, hi = START, START + HOURS * 3600
    await repo.insert_events(db, events(1, 150))
    await db.batch(await rollup.fold_batch(db, lo, hi))
    before = await rollups(db)
    await repo.insert_events(db, events(2, 100))  # late events: the fold replaces rows
    chunks = await rollup.fold_chunks(db, lo, hi, chunk_rows=4)
    assert len(chunks) > 10
    await rollup.write_chunks(db, chunks)
    chunked = await rollups(db)
    await db.batch(await rollup.fold_batch(db, lo, hi))  # the whole fold in one batch
    assert chunked == await rollups(db) != before
