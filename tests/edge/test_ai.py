"""Content's AI adapters (worker/ai.py) against in-process stand-ins of the Workers AI
binding and a Vectorize index, written from their docs: the options must arrive as
plain JS objects, answers come back as JS values, and a slow binding is cut by the
timeout (AiUnavailable, so the routes answer 503)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from typing import Any

import pytest

from core.ports import AiUnavailable
from tests.edge.jsfakes import JsArray, JsObject, field, options_of, patched_interop
from worker.ai import VectorizeIndex, WorkersAiEmbeddings, WorkersAiGenerator
from worker.bindings import ai_ports


@pytest.fixture(autouse=True)
def fakes() -> Iterator[None]:
    with patched_interop():
        yield


class AiBinding:
    """``env.AI``: ``run(model, inputs)``."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls: list[tuple[str, Any]] = []

    async def run(self, model: str, inputs: Any) -> Any:
        options = options_of(inputs, "AI.run")
        self.calls.append((model, options.to_py()))
        await asyncio.sleep(self.delay)
        if model.startswith("@cf/baai/"):
            texts = field(options, "text")
            data = JsArray(JsArray([float(len(t)), 1.0] + [0.0] * 382) for t in texts)
            return JsObject({"shape": JsArray([len(texts), 384]), "data": data})
        messages = field(options, "messages")
        return JsObject({"response": f"Title\n\nA reply to {messages[1].content}"})


class VectorizeBinding:
    """A Vectorize index: upsert, deleteByIds, query with metadata filters (AND of fields)."""

    def __init__(self) -> None:
        self.vectors: dict[str, tuple[list[float], dict[str, Any]]] = {}

    async def upsert(self, items: Any) -> Any:
        for item in items:
            self.vectors[item.id] = (list(item.values), item.metadata.to_py())
        return JsObject({"mutationId": "m1"})

    async def deleteByIds(self, ids: Any) -> Any:
        for id in ids:
            self.vectors.pop(id, None)
        return JsObject({"mutationId": "m2"})

    async def query(self, vector: Any, options: Any) -> Any:
        opts = options_of(options, "Vectorize.query")
        assert field(opts, "topK") <= 100
        where = field(opts, "filter").to_py()
        matches = [
            (sum(a * b for a, b in zip(values, vector, strict=True)), id)
            for id, (values, meta) in self.vectors.items()
            if all(meta.get(k) == v for k, v in where.items())
        ]
        matches.sort(reverse=True)
        found = [
            JsObject({"id": id, "score": score}) for score, id in matches[: field(opts, "topK")]
        ]
        return JsObject({"matches": JsArray(found), "count": len(found)})


async def test_generation_over_the_binding() -> None:
    ai = AiBinding()
    generated = await WorkersAiGenerator(ai).generate("sys", "a prompt", max_tokens=64)
    assert generated.text == "Title\n\nA reply to a prompt"
    assert generated.model == "@cf/meta/llama-3.1-8b-instruct"
    [(_, options)] = ai.calls
    assert options["max_tokens"] == 64 and options["messages"][0]["role"] == "system"


async def test_a_slow_binding_is_cut_by_the_timeout() -> None:
    with pytest.raises(AiUnavailable):
        await WorkersAiGenerator(AiBinding(delay=1.0), timeout=0.05).generate(
            "s", "p", max_tokens=8
        )


async def test_embeddings_are_unit_length() -> None:
    [a, b] = await WorkersAiEmbeddings(AiBinding()).embed(["ab", "abcd"])
    assert len(a) == 384 and math.isclose(sum(x * x for x in a), 1.0)
    assert a != b


async def test_vectorize_filters_mine_and_public_and_deletes_by_owner() -> None:
    index = VectorizeIndex(VectorizeBinding())
    e1 = [1.0] + [0.0] * 383
    await index.upsert("mine", e1, owner_id="alice", public=False)
    await index.upsert("theirs", e1, owner_id="bob", public=False)
    await index.upsert("public", [0.9, 0.1] + [0.0] * 382, owner_id="bob", public=True)
    mine = await index.query(e1, top_k=10, owner_id="alice", include_public=False)
    assert [m.id for m in mine] == ["mine"]
    seen = await index.query(e1, top_k=10, owner_id="alice", include_public=True)
    assert [m.id for m in seen] == ["mine", "public"]
    await index.delete_owner("bob")
    assert [m.id for m in await index.query(e1, top_k=10, owner_id="", include_public=True)] == []
    assert [
        m.id for m in await index.query(e1, top_k=10, owner_id="alice", include_public=True)
    ] == ["mine"]


def test_the_ports_exist_only_where_the_bindings_do() -> None:
    assert ai_ports(JsObject()) == {}
    only_ai = ai_ports(JsObject({"AI": AiBinding()}))
    assert set(only_ai) == {"text"}
    both = ai_ports(JsObject({"AI": AiBinding(), "VECTORS": VectorizeBinding()}))
    assert set(both) == {"text", "embeddings", "vectors"}
