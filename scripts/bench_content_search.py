"""Benchmark: content search over 100,000 posts, and the local embedding model.

1. Word search (FTS5, bm25, snippets; the route's own query, ``core.content.search``):
   latency of 300 queries (a third single words, a third quoted phrases, a third
   prefixes) by one of 100 owners with ``scope=all``, p50 and p95. Baseline in the
   same run: the first word by ``LIKE '%word%'`` over title and body, ordered (so
   every row is read, as a ranked answer must).
2. Search by meaning (the local ``SQLiteVectorIndex``: an exact numpy scan over the
   vectors in memory): 300 queries, p50 and p95, over 100,000 vectors of 256
   numbers (random unit vectors: a scan costs the same whatever they hold, and
   embedding 100,000 posts would take minutes). recall@10 against a plain exact
   scan of the same vectors (1.0 when the index is exact, as this one is).
   Baseline: the same query decoding every vector from SQLite (no matrix kept).
3. Embedding throughput of the shipped wordllama model, posts a second, over 2,000
   posts of about 120 words, in batches of 100, after the model has loaded.

The posts are written once; each figure is the median of --runs runs over them, with
the range. The machine is shared:
read ratios first. Run: .venv/bin/python scripts/bench_content_search.py [--posts N] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.adapters.embeddings_wordllama import DIMENSIONS, embed_now, load_model
from core.adapters.vectors_sqlite import SQLiteVectorIndex, decode, encode
from core.clock import FrozenClock, iso
from core.content.search import by_words
from core.local import LocalRuntime, load_settings

# A vocabulary of 20,000 made-up words drawn by Zipf's law (a few common, most rare),
# as words fall in real text; queries pick words of middling frequency.
_SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
WORDS = sorted({"".join(random.Random(i).choices(_SYLLABLES, k=3)) for i in range(20_000)})
_WEIGHTS = [1.0 / (rank + 1) for rank in range(len(WORDS))]
OWNERS = 100


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(WORDS, weights=_WEIGHTS, k=n))


def middling(rng: random.Random) -> str:
    return WORDS[rng.randrange(50, 2000)]


async def fill(runtime: LocalRuntime, posts: int, rng: random.Random) -> list[str]:
    db = runtime.database
    owners = [f"OWNER{i:021d}" for i in range(OWNERS)]
    for owner in owners:
        await db.run(
            "INSERT INTO users (id, email, username, password_hash, created_at, updated_at)"
            " VALUES (?, ?, ?, 'x', ?, ?)",
            owner, f"{owner}@example.com", owner.lower(), iso(0), iso(0),
        )  # fmt: skip
    # Indexed once after the load ('rebuild'), not row by row through the trigger.
    await db.run("DROP TRIGGER content_fts_insert")
    chunk = 2000
    for start in range(0, posts, chunk):
        rows = []
        for n in range(start, min(posts, start + chunk)):
            rows.append(
                {
                    "id": f"P{n:025d}",
                    "owner_id": owners[n % OWNERS],
                    "title": text(rng, 6).capitalize(),
                    "body": text(rng, 120),
                    "status": "published" if n % 2 else "draft",
                    "visibility": "public" if n % 4 in (1, 3) else "private",
                    "slug": f"post-{n}",
                }
            )
        await db.run(
            "INSERT INTO content (id, owner_id, title, body, type, visibility, status, slug,"
            " created_at, updated_at) SELECT j.value ->> 'id', j.value ->> 'owner_id',"
            " j.value ->> 'title', j.value ->> 'body', 'blog_post', j.value ->> 'visibility',"
            " j.value ->> 'status', j.value ->> 'slug', ?, ? FROM json_each(?) j",
            iso(0), iso(0), json.dumps(rows),
        )  # fmt: skip
    await db.run("INSERT INTO content_fts (content_fts) VALUES ('rebuild')")
    return owners


def queries(rng: random.Random, n: int) -> list[str]:
    found = []
    for i in range(n):
        if i % 3 == 0:
            found.append(middling(rng))
        elif i % 3 == 1:
            found.append(f'"{WORDS[rng.randrange(0, 20)]} {middling(rng)}"')
        else:
            found.append(middling(rng)[:4] + "*")
    return found


async def time_words(
    runtime: LocalRuntime, owners: list[str], qs: list[str], rng
) -> tuple[list[float], list[float]]:
    fts, like = [], []
    ports = runtime.ports()
    for q in qs:
        owner = rng.choice(owners)
        t = time.perf_counter()
        await by_words(ports, owner, q, include_public=True, limit=20)
        fts.append((time.perf_counter() - t) * 1000)
        word = q.strip('"*').split()[0]
        t = time.perf_counter()
        await runtime.database.all(
            "SELECT id, title FROM content WHERE (owner_id = ? OR (status = 'published' AND"
            " visibility = 'public')) AND (title LIKE ? OR body LIKE ?)"
            " ORDER BY length(body) LIMIT 20",
            owner, f"%{word}%", f"%{word}%",
        )  # fmt: skip
        like.append((time.perf_counter() - t) * 1000)
    return fts, like


async def time_meaning(
    runtime: LocalRuntime, owners: list[str], posts: int, n: int, rng
) -> dict[str, float]:
    gen = np.random.default_rng(7)
    vectors = gen.standard_normal((posts, DIMENSIONS)).astype("f4")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows = [
        {
            "id": f"P{i:025d}",
            "owner_id": owners[i % OWNERS],
            "public": int(i % 4 in (1, 3)),
            "vector": encode(vectors[i]),
        }
        for i in range(posts)
    ]
    for start in range(0, posts, 5000):
        await runtime.database.run(
            "INSERT OR REPLACE INTO content_embeddings"
            " (id, owner_id, model, text_hash, public, vector, updated_at)"
            " SELECT j.value ->> 'id', j.value ->> 'owner_id', 'bench', '', j.value ->> 'public',"
            " j.value ->> 'vector', '' FROM json_each(?) j",
            json.dumps(rows[start : start + 5000]),
        )
    index = SQLiteVectorIndex(runtime.database, FrozenClock(), DIMENSIONS)
    owner_of = np.array([owners[i % OWNERS] for i in range(posts)], dtype=object)
    public = np.array([i % 4 in (1, 3) for i in range(posts)])
    scan, decoded, hits = [], [], 0
    await index.query(vectors[0], top_k=10, owner_id=owners[0], include_public=True)  # load once
    for _ in range(n):
        owner = rng.choice(owners)
        q = gen.standard_normal(DIMENSIONS).astype("f4")
        q /= np.linalg.norm(q)
        t = time.perf_counter()
        got = await index.query(q, top_k=10, owner_id=owner, include_public=True)
        scan.append((time.perf_counter() - t) * 1000)
        visible = np.flatnonzero((owner_of == owner) | public)
        exact = visible[np.argsort(-(vectors[visible] @ q))[:10]]
        hits += len({f"P{i:025d}" for i in exact} & {m.id for m in got})
        if len(decoded) < 20:  # the baseline is slow: 20 runs of it
            t = time.perf_counter()
            stored = await runtime.database.all(
                "SELECT id, vector FROM content_embeddings WHERE owner_id = ? OR public = 1", owner
            )
            matrix = np.vstack([decode(r["vector"]) for r in stored])
            np.argsort(-(matrix @ q))[:10]
            decoded.append((time.perf_counter() - t) * 1000)
    return {
        "p50": pct(scan, 0.5), "p95": pct(scan, 0.95), "recall": hits / (10 * n),
        "baseline_p50": pct(decoded, 0.5), "baseline_p95": pct(decoded, 0.95),
    }  # fmt: skip


def throughput(rng: random.Random, count: int = 2000) -> float:
    load_model()
    posts = [text(rng, 120) for _ in range(count)]
    t = time.perf_counter()
    for start in range(0, count, 100):
        embed_now(posts[start : start + 100])
    return count / (time.perf_counter() - t)


async def measure(posts: int, n: int, runs: int) -> list[dict[str, float]]:
    """Fill one database once, then time every query phase ``runs`` times over it."""
    rng = random.Random(0)
    found = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({}, data_dir=Path(tmp), run_cron=False, embeddings="none")
        runtime = LocalRuntime(settings, clock=FrozenClock(), run_scheduler=False)
        await runtime.startup()
        try:
            t = time.perf_counter()
            owners = await fill(runtime, posts, rng)
            print(f"  filled {posts} posts in {time.perf_counter() - t:.0f} s", file=sys.stderr)
            for run in range(runs):
                rng = random.Random(run + 1)
                fts, like = await time_words(runtime, owners, queries(rng, n), rng)
                meaning = await time_meaning(runtime, owners, posts, n, rng)
                found.append(
                    {
                        "words_p50": pct(fts, 0.5),
                        "words_p95": pct(fts, 0.95),
                        "like_p50": pct(like, 0.5),
                        "like_p95": pct(like, 0.95),
                        **{f"meaning_{k}": v for k, v in meaning.items()},
                        "embed_per_s": throughput(rng),
                    }
                )
                print(f"  run {run + 1} done", file=sys.stderr)
        finally:
            await runtime.shutdown()
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    runs = asyncio.run(measure(args.posts, args.queries, args.runs))
    for key in runs[0]:
        values = [r[key] for r in runs]
        middle, low, high = statistics.median(values), min(values), max(values)
        print(f"{key:22s} median {middle:10.3f}  range {low:.3f} .. {high:.3f}")
    for name, top, bottom in (
        ("LIKE p95 / FTS p95", "like_p95", "words_p95"),
        ("decode p95 / scan p95", "meaning_baseline_p95", "meaning_p95"),
    ):
        ratio = [r[top] / r[bottom] for r in runs]
        middle, low, high = statistics.median(ratio), min(ratio), max(ratio)
        print(f"{name:22s} median {middle:10.1f}  range {low:.1f} .. {high:.1f}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
