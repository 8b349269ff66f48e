"""Content's AI ports over the Workers AI binding (``[ai]``, ``env.AI``) and a
Vectorize index (``[[vectorize]]``, ``env.VECTORS``).

* ``TextGenerator``: ``AI.run("@cf/meta/llama-3.1-8b-instruct", {messages, max_tokens})``
  answers ``{response}``.
* ``Embeddings``: ``AI.run("@cf/baai/bge-small-en-v1.5", {text: [...]})`` answers
  ``{shape, data}``: 384 numbers a text; normalised here to unit length.
* ``VectorIndex``: ``upsert([{id, values, metadata}])``, ``deleteByIds(ids)``,
  ``query(vector, {topK, filter, returnMetadata})`` answering ``{matches: [{id, score}]}``.
  Metadata ``owner`` (string) and ``public`` (boolean) need metadata indexes
  (``wrangler vectorize create-metadata-index``) before vectors go in; Vectorize
  filters AND their fields, so "mine or public" is two queries merged.
  Vectorize's mutations apply asynchronously (a few seconds).

Every call is bounded by ``asyncio.wait_for``; a failure or a timeout is
``AiUnavailable`` (the routes answer 503, nothing stored)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

from core.ports import AiUnavailable, Generated, VectorMatch
from worker import interop

T = TypeVar("T")
TEXT_MODEL = "@cf/meta/llama-3.1-8b-instruct"
EMBEDDING_MODEL = "@cf/baai/bge-small-en-v1.5"
EMBEDDING_DIMENSIONS = 384
# Vectorize answers at most this many matches a query that returns no values.
VECTORIZE_TOP_K = 100


async def bounded(work: Awaitable[T], timeout: float, what: str) -> T:
    try:
        return await asyncio.wait_for(work, timeout)
    except TimeoutError as error:
        raise AiUnavailable(f"{what}: no answer in {timeout:g} s") from error
    except AiUnavailable:
        raise
    except Exception as error:  # a JsException from the binding
        raise AiUnavailable(f"{what}: {type(error).__name__}: {error}") from error


def _js(value: Any) -> Any:
    ffi = interop.js_interop()
    return ffi.to_js(value, dict_converter=ffi.js.Object.fromEntries)


class WorkersAiGenerator:
    def __init__(self, binding: Any, *, model: str = TEXT_MODEL, timeout: float = 30.0) -> None:
        self._ai = interop.unwrap(binding)
        self.model = model
        self.timeout = timeout

    async def generate(self, system: str, prompt: str, *, max_tokens: int) -> Generated:
        options = {
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": prompt},
            ],
            "max_tokens": max_tokens,
        }
        result = await bounded(self._ai.run(self.model, _js(options)), self.timeout, "Workers AI")
        answer = interop.to_py(result, interop.js_interop())
        text = answer.get("response") if isinstance(answer, dict) else None
        if not isinstance(text, str):
            raise AiUnavailable("Workers AI answered no text")
        return Generated(text=text, model=self.model)


class WorkersAiEmbeddings:
    dimensions = EMBEDDING_DIMENSIONS

    def __init__(
        self, binding: Any, *, model: str = EMBEDDING_MODEL, timeout: float = 10.0
    ) -> None:
        self._ai = interop.unwrap(binding)
        self.model = model
        self.timeout = timeout

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        result = await bounded(
            self._ai.run(self.model, _js({"text": list(texts)})), self.timeout, "Workers AI"
        )
        answer = interop.to_py(result, interop.js_interop())
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list) or len(data) != len(texts):
            raise AiUnavailable("Workers AI answered no embeddings")
        return [unit([float(x) for x in row]) for row in data]


def unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


class VectorizeIndex:
    def __init__(self, binding: Any, *, timeout: float = 10.0) -> None:
        self._index = interop.unwrap(binding)
        self.timeout = timeout

    async def upsert(
        self, id: str, vector: Sequence[float], *, owner_id: str, public: bool
    ) -> None:
        item = {"id": id, "values": list(vector), "metadata": {"owner": owner_id, "public": public}}
        await bounded(self._index.upsert(_js([item])), self.timeout, "Vectorize")

    async def delete(self, ids: Sequence[str]) -> None:
        if ids:
            await bounded(self._index.deleteByIds(_js(list(ids))), self.timeout, "Vectorize")

    async def delete_owner(self, owner_id: str) -> None:
        """Vectorize cannot delete by metadata: find the owner's ids with filtered
        queries (any vector will do) and delete them, until none is left."""
        probe = [1.0] + [0.0] * (EMBEDDING_DIMENSIONS - 1)
        for _ in range(1000):
            ids = [m.id for m in await self._query(probe, VECTORIZE_TOP_K, {"owner": owner_id})]
            if not ids:
                return
            await self.delete(ids)

    async def _query(
        self, vector: Sequence[float], top_k: int, where: dict[str, Any]
    ) -> list[VectorMatch]:
        options = {"topK": min(top_k, VECTORIZE_TOP_K), "filter": where, "returnMetadata": "none"}
        result = await bounded(
            self._index.query(_js(list(vector)), _js(options)), self.timeout, "Vectorize"
        )
        answer = interop.to_py(result, interop.js_interop()) or {}
        return [VectorMatch(str(m["id"]), float(m["score"])) for m in answer.get("matches") or []]

    async def query(
        self, vector: Sequence[float], *, top_k: int, owner_id: str, include_public: bool
    ) -> list[VectorMatch]:
        found = await self._query(vector, top_k, {"owner": owner_id}) if owner_id else []
        if include_public:
            found += await self._query(vector, top_k, {"public": True})
        best: dict[str, VectorMatch] = {}
        for match in found:
            if match.id not in best or best[match.id].score < match.score:
                best[match.id] = match
        return sorted(best.values(), key=lambda m: (-m.score, m.id))[:top_k]
