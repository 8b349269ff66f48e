"""The local ``Embeddings``: WordLlama's ``l2_supercat`` model (256 dimensions), whose
weights and tokenizer ship inside the ``wordllama`` wheel: nothing is downloaded.

``WordLlama.load()`` looks for the tokenizer in a folder the wheel does not have
(``tokenizer/`` for ``tokenizers/``) and then downloads it, so the files are opened
here by path. The model loads once per process, on first use, off the event loop;
embedding runs on the runtime's ``Offload`` (a worker thread)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.ports import Offload

MODEL = "wordllama/l2_supercat_256"
DIMENSIONS = 256
_lock = threading.Lock()
_model: Any = None


def load_model() -> Any:
    """The shipped model, loaded once per process."""
    global _model
    with _lock:
        if _model is None:
            import wordllama
            from safetensors import safe_open
            from wordllama import WordLlama
            from wordllama.inference import WordLlamaInference

            root = Path(wordllama.__file__).parent
            tokenizer = WordLlama.load_tokenizer(
                root / "tokenizers" / "l2_supercat_tokenizer_config.json"
            )
            with safe_open(
                str(root / "weights" / "l2_supercat_256.safetensors"), framework="np", device="cpu"
            ) as f:
                weights = f.get_tensor("embedding.weight")
            _model = WordLlamaInference(weights, tokenizer, binary=False)
        return _model


def embed_now(texts: Sequence[str]) -> list[list[float]]:
    vectors = load_model().embed(list(texts), norm=True)
    return [[float(x) for x in row] for row in vectors]


class WordLlamaEmbeddings:
    model = MODEL
    dimensions = DIMENSIONS

    def __init__(self, offload: Offload) -> None:
        self._offload = offload

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        return await self._offload(embed_now, list(texts))
