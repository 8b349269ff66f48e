"""JSON a client gives the product to keep (account metadata, event properties):
checked on the way in, so what is stored can always be read back and answered."""

from __future__ import annotations

import json
from typing import Any


def stored_json(value: Any, *, max_bytes: int, max_depth: int) -> str:
    """``value`` as the compact JSON text to store, or ``ValueError`` saying why not:
    nested deeper than ``max_depth``, larger than ``max_bytes``, or holding NaN or
    an infinity (which JSON has no words for)."""
    if json_depth(value) > max_depth:
        raise ValueError(f"nested at most {max_depth} levels deep")
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise ValueError("numbers must be finite (no NaN or Infinity)") from None
    if len(text.encode()) > max_bytes:
        raise ValueError(f"at most {max_bytes} bytes of JSON")
    return text


def json_depth(value: Any) -> int:
    """How deep containers nest in ``value`` (a scalar is 0, ``{}`` is 1), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in children)
    return deepest


def stored_object(text: str | None) -> dict[str, Any]:
    """A stored JSON object read back; anything else (a legacy null) reads as ``{}``."""
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}
