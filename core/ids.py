"""Opaque, time-ordered ids (ULIDs: 48-bit milliseconds, 80 random bits, Crockford base32).

Monotonic within a process: ids made in the same millisecond increment the
random part, so they still sort in the order they were made."""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Two base32 digits (10 bits) per lookup: 13 lookups make the 26 digits of 130 bits.
_PAIRS = tuple(a + b for a in _ALPHABET for b in _ALPHABET)
_SHIFTS = tuple(range(120, -1, -10))
_RANDOM_MAX = (1 << 80) - 1

_last_ms = -1
_last_random = 0


def new_id(now: float | None = None) -> str:
    """A new id; those made later sort after those made earlier."""
    global _last_ms, _last_random
    ms = int((time.time() if now is None else now) * 1000)
    if ms == _last_ms and _last_random < _RANDOM_MAX:
        random = _last_random + 1
    else:
        random = int.from_bytes(os.urandom(10), "big")
    _last_ms, _last_random = ms, random
    value = (ms << 80) | random
    pairs = _PAIRS
    return "".join([pairs[(value >> shift) & 1023] for shift in _SHIFTS])
