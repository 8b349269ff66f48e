"""Release notes: Markdown in, safe HTML out (markdown-it-py, CommonMark).

Raw HTML in the notes is escaped, never passed through (``html`` off), and a
link or image may only point at an http(s) or mailto address, or a relative
one: ``javascript:``, ``data:``, ``vbscript:`` and the rest stay plain text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt

MAX_NOTES = 20_000
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


def _safe_link(url: str) -> bool:
    found = _SCHEME.match(url.strip())
    return found is None or found.group(1).lower() in _SAFE_SCHEMES


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.validateLink = _safe_link  # type: ignore[method-assign]
    return md


@lru_cache(maxsize=256)
def render_notes(markdown: str) -> str:
    """The notes as HTML that is safe to put in a page or an appcast."""
    html: str = _renderer().render(markdown)
    return html
