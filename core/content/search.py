"""Finding posts by words (SQLite FTS5, as D1 has it) and by meaning (the embedding
and vector ports), and both fused by reciprocal rank.

A query sees the caller's own posts; with ``scope=all`` also published public ones.
The query language is the plain one people type: words (all must match, stemmed),
``"quoted phrases"`` and ``prefix*``; anything else of FTS5's syntax is taken as
text, never as an operator, so no input makes the index raise."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from core.content.repo import LIVE
from core.errors import DependencyDown, Invalid
from core.ports import AiUnavailable, Ports, VectorMatch

_TERM = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Marks FTS5 puts round a match; user text cannot hold them (control characters
# are refused on the way in), so after escaping they become <mark> safely.
_OPEN, _CLOSE = "\x02", "\x03"
MAX_TERMS = 16
RRF_K = 60


def fts_query(q: str) -> str:
    """The FTS5 MATCH expression for what a person typed; 422 when it has no word."""
    parts: list[str] = []
    for phrase, word in _TERM.findall(q):
        if phrase:
            words = _WORD.findall(phrase)
            if words:
                parts.append('"' + " ".join(words) + '"')
            continue
        prefix = word.endswith("*")
        words = _WORD.findall(word)
        if not words:
            continue
        if len(words) > 1:  # "e-mail" is the phrase "e mail", as FTS5 tokenizes it
            parts.append('"' + " ".join(words) + '"' + ("*" if prefix else ""))
        else:
            parts.append(f'"{words[0]}"' + ("*" if prefix else ""))
    if not parts:
        raise Invalid("The query needs at least one word.", details={"field": "q"})
    if len(parts) > MAX_TERMS:
        raise Invalid(f"At most {MAX_TERMS} words or phrases.", details={"field": "q"})
    return " ".join(parts)


def marked(text: str | None) -> str | None:
    if text is None:
        return None
    return html.escape(text).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def _visible(alias: str) -> str:
    return (
        f"{alias}.{LIVE} AND ({alias}.owner_id = ?"
        f" OR (? AND {alias}.status = 'published' AND {alias}.visibility = 'public'))"
    )


@dataclass(frozen=True, slots=True)
class Hit:
    row: dict[str, Any]
    score: float
    title_highlight: str | None = None
    snippet: str | None = None


async def by_words(
    ports: Ports, owner_id: str, q: str, *, include_public: bool, limit: int
) -> list[Hit]:
    match = fts_query(q)
    rows = await ports.db.all(
        "SELECT c.id, c.owner_id, c.title, c.slug, c.status, c.visibility,"  # noqa: S608 (fixed clauses)
        " bm25(content_fts, 4.0, 1.0) AS rank,"
        f" highlight(content_fts, 0, '{_OPEN}', '{_CLOSE}') AS title_hl,"
        f" snippet(content_fts, 1, '{_OPEN}', '{_CLOSE}', '…', 16) AS snip"
        " FROM content_fts JOIN content c ON c.seq = content_fts.rowid"
        f" WHERE content_fts MATCH ? AND {_visible('c')}"
        " ORDER BY rank LIMIT ?",
        match,
        owner_id,
        int(include_public),
        limit,
    )
    return [
        Hit(row, -float(row["rank"]), marked(row["title_hl"]), marked(row["snip"])) for row in rows
    ]


async def by_meaning(
    ports: Ports, owner_id: str, q: str, *, include_public: bool, limit: int
) -> list[Hit]:
    if ports.embeddings is None or ports.vectors is None:
        raise DependencyDown(
            "Search by meaning is not configured here.", code="semantic_search_unavailable"
        )
    try:
        [vector] = await ports.embeddings.embed([q])
        matches = await ports.vectors.query(
            vector, top_k=limit, owner_id=owner_id, include_public=include_public
        )
    except AiUnavailable as error:
        raise DependencyDown(
            "Search by meaning is unavailable. Try again shortly.",
            code="semantic_search_unavailable",
        ) from error
    return await _rows_for(ports, owner_id, matches, include_public=include_public)


async def _rows_for(
    ports: Ports, owner_id: str, matches: list[VectorMatch], *, include_public: bool
) -> list[Hit]:
    """The matches that are still visible (the index may lag a change), in order."""
    if not matches:
        return []
    import json

    rows = await ports.db.all(
        "SELECT c.id, c.owner_id, c.title, c.slug, c.status, c.visibility FROM content c"  # noqa: S608 (fixed clauses)
        f" WHERE c.id IN (SELECT value FROM json_each(?)) AND {_visible('c')}",
        json.dumps([m.id for m in matches]),
        owner_id,
        int(include_public),
    )
    by_id = {row["id"]: row for row in rows}
    return [Hit(by_id[m.id], m.score) for m in matches if m.id in by_id]


def fuse(rankings: list[list[Hit]], *, limit: int) -> list[Hit]:
    """Reciprocal rank fusion: each list adds 1 / (60 + rank) to a post's score."""
    scores: dict[str, float] = {}
    best: dict[str, Hit] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            key = hit.row["id"]
            scores[key] = scores.get(key, 0.0) + 1.0 / (RRF_K + rank)
            known = best.get(key)
            if known is None or (known.snippet is None and hit.snippet is not None):
                best[key] = hit
    ordered = sorted(scores, key=lambda k: (-scores[k], k))[:limit]
    return [Hit(best[k].row, scores[k], best[k].title_highlight, best[k].snippet) for k in ordered]
