"""Characters no text a person types should carry."""

from __future__ import annotations

import unicodedata

# Bidirectional controls (embeddings, overrides, isolates, marks): they reorder
# what is displayed around them, the trick behind spoofed names ("Trojan Source").
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def has_control_characters(text: str, allowed: str = "") -> bool:
    """Whether ``text`` holds a control character (NUL and the rest) or a bidi
    control, other than those in ``allowed`` (say, newline and tab)."""
    return any(
        (unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS) and ch not in allowed
        for ch in text
    )
