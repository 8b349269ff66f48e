"""The local ``VectorIndex``: vectors in SQLite (``content_embeddings.vector``, base64
of float32) and an exact scan in memory with numpy.

Why a scan and not an approximate index (sqlite-vec): a local install holds one
creator's or a small team's posts, and an exact scan of 100,000 vectors of 256
numbers is a few milliseconds of one matrix product (scripts/bench_content_search.py),
with recall 1 by construction. The rows are read once per process, on the first
query, and every write goes to both the table and the matrix; one process serves a
data folder, so the two stay the same."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from typing import Any

import numpy as np

from core.clock import iso
from core.ports import Clock, Database, VectorMatch


def encode(vector: Any) -> str:
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode()


def decode(text: str) -> Any:
    return np.frombuffer(base64.b64decode(text), dtype="<f4")


class SQLiteVectorIndex:
    def __init__(self, db: Database, clock: Clock, dimensions: int) -> None:
        self.db = db
        self.clock = clock
        self.dimensions = dimensions
        self._rows: dict[str, tuple[str, bool, Any]] | None = None
        self._matrix: Any = None
        self._ids: list[str] = []
        self._owners: Any = None
        self._public: Any = None
        self._lock = asyncio.Lock()

    async def _load(self) -> dict[str, tuple[str, bool, Any]]:
        async with self._lock:
            if self._rows is None:
                rows = await self.db.all(
                    "SELECT id, owner_id, public, vector FROM content_embeddings"
                    " WHERE vector IS NOT NULL"
                )
                self._rows = {
                    r["id"]: (r["owner_id"], bool(r["public"]), decode(r["vector"])) for r in rows
                }
                self._matrix = None
            return self._rows

    def _build(self) -> None:
        assert self._rows is not None
        self._ids = list(self._rows)
        if self._ids:
            self._matrix = np.vstack([self._rows[i][2] for i in self._ids]).astype("f4")
        else:
            self._matrix = np.zeros((0, self.dimensions), dtype="f4")
        self._owners = np.array([self._rows[i][0] for i in self._ids], dtype=object)
        self._public = np.array([self._rows[i][1] for i in self._ids], dtype=bool)

    async def upsert(
        self, id: str, vector: Sequence[float], *, owner_id: str, public: bool
    ) -> None:
        array = np.asarray(vector, dtype="f4")
        if array.shape != (self.dimensions,):
            raise ValueError(f"a vector has {self.dimensions} numbers")
        await self.db.run(
            "INSERT INTO content_embeddings (id, owner_id, model, text_hash, public, vector,"
            " updated_at) VALUES (?, ?, '', '', ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            " owner_id = excluded.owner_id, public = excluded.public, vector = excluded.vector,"
            " updated_at = excluded.updated_at",
            id,
            owner_id,
            int(public),
            encode(array),
            iso(self.clock.now()),
        )
        rows = await self._load()
        rows[id] = (owner_id, public, array)
        self._matrix = None

    async def delete(self, ids: Sequence[str]) -> None:
        rows = await self._load()
        for id in ids:
            await self.db.run("UPDATE content_embeddings SET vector = NULL WHERE id = ?", id)
            rows.pop(id, None)
        self._matrix = None

    async def delete_owner(self, owner_id: str) -> None:
        rows = await self._load()
        await self.db.run("DELETE FROM content_embeddings WHERE owner_id = ?", owner_id)
        for id in [i for i, row in rows.items() if row[0] == owner_id]:
            del rows[id]
        self._matrix = None

    async def query(
        self, vector: Sequence[float], *, top_k: int, owner_id: str, include_public: bool
    ) -> list[VectorMatch]:
        await self._load()
        if self._matrix is None:
            self._build()
        return self.scan(np.asarray(vector, dtype="f4"), top_k, owner_id, include_public)

    def scan(self, q: Any, top_k: int, owner_id: str, include_public: bool) -> list[VectorMatch]:
        """The exact nearest ``top_k`` the caller may see (cosine: vectors are unit length)."""
        if not self._ids or top_k <= 0:
            return []
        visible = self._owners == owner_id
        if include_public:
            visible = visible | self._public
        candidates = np.flatnonzero(visible)
        if candidates.size == 0:
            return []
        scores = self._matrix[candidates] @ q
        k = min(top_k, candidates.size)
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [VectorMatch(self._ids[candidates[i]], float(scores[i])) for i in best]
