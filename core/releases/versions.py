"""Semantic versions: parsed and ordered by the ``semver`` library (semver.org 2.0.0).

``1.10.0`` is newer than ``1.9.0``, a pre-release ranks below its release
(``1.0.0-rc.1 < 1.0.0``), numeric pre-release identifiers compare as numbers
and below alphanumeric ones, and build metadata is ignored for precedence.
Anything that is not a full ``MAJOR.MINOR.PATCH`` version (``1.2``, ``v1.2.0``,
``latest!``) is refused with a 422.
"""

from __future__ import annotations

from functools import lru_cache

import semver

from core.errors import Invalid

MAX_LENGTH = 64


@lru_cache(maxsize=4096)
def _parse(text: str) -> semver.Version | None:
    try:
        return semver.Version.parse(text)
    except (ValueError, TypeError):
        return None


def parse(text: str, *, field: str = "version") -> semver.Version:
    """The version ``text`` names, or a 422 naming ``field``."""
    version = _parse(text) if len(text) <= MAX_LENGTH else None
    if version is None:
        raise Invalid(
            "Give a semantic version: MAJOR.MINOR.PATCH, with an optional pre-release.",
            details=[{"field": field, "message": "not a semantic version (semver.org)"}],
        )
    return version


def is_valid(text: str) -> bool:
    return len(text) <= MAX_LENGTH and _parse(text) is not None


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as ``a`` has lower, equal or higher precedence than ``b``."""
    return parse(a).compare(parse(b))


def is_prerelease(text: str) -> bool:
    return parse(text).prerelease is not None


def sort_key(text: str) -> semver.Version:
    """A key for ``sorted``: precedence order (``semver.Version`` compares by it)."""
    return parse(text)
