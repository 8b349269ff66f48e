"""Grouping error reports, as Sentry does: by the error's type and its top stack
frames with what varies between occurrences (line and column numbers, query
strings, hashes in bundle names, ids, numbers) taken out; by the normalised
message when there is no stack. The same error then counts up in one row."""

from __future__ import annotations

import hashlib
import re

TOP_FRAMES = 5
_FRAME_LINE = re.compile(r"^\s*(?:at\s|File\s|\S+@|\S+\s*\(|[\w.$<>]+\s*$)")
_LINE_COL = re.compile(r":\d+(?::\d+)?(?=\)?\s*$)|, line \d+|line \d+")
_QUERY = re.compile(r"\?[^\s):]*")
_BUNDLE_HASH = re.compile(r"([.-])[0-9a-f]{6,}(?=\.(?:js|mjs|css|py)\b)")
_UUIDISH = re.compile(
    r"\b[0-9a-fA-F]{8}(?:-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}\b|\b[0-9A-Z]{26}\b"
)
_HEX = re.compile(r"\b0x[0-9a-fA-F]+\b|\b[0-9a-f]{12,}\b")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_QUOTED = re.compile(r"'[^']{0,200}'|\"[^\"]{0,200}\"")
_SPACE = re.compile(r"\s+")


def normalise_message(message: str) -> str:
    text = _UUIDISH.sub("<id>", message)
    text = _HEX.sub("<hex>", text)
    text = _QUOTED.sub("<str>", text)
    text = _NUMBER.sub("<n>", text)
    return _SPACE.sub(" ", text).strip()[:300]


def top_frames(stack: str | None, limit: int = TOP_FRAMES) -> list[str]:
    """The first ``limit`` frame lines of ``stack``, normalised."""
    if not stack:
        return []
    frames = []
    for line in stack.splitlines():
        if not line.strip() or not _FRAME_LINE.match(line):
            continue
        frame = _QUERY.sub("", line.strip())
        frame = _LINE_COL.sub("", frame)
        frame = _BUNDLE_HASH.sub(r"\1<hash>", frame)
        frames.append(_SPACE.sub(" ", frame))
        if len(frames) == limit:
            break
    return frames


def fingerprint(error_type: str, name: str, message: str, stack: str | None) -> str:
    """A stable key of the error's group: type, name and top frames (or message)."""
    frames = top_frames(stack)
    basis = [error_type, name, *(frames or [normalise_message(message)])]
    return hashlib.sha256("\n".join(basis).encode()).hexdigest()[:32]
