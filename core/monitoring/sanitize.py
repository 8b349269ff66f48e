"""Masking what an error report must not keep: emails, tokens, bearer and other
credentials, query-string secrets and IP addresses. Runs on every message,
stack, URL and context string before anything is stored (client reports and
server exceptions alike), and before the text is cut to its stored length, so a
secret is never kept half."""

from __future__ import annotations

import re
from typing import Any

EMAIL = "[email]"
TOKEN = "[token]"  # noqa: S105 (a mask, not a secret)
IP = "[ip]"
REDACTED = "[redacted]"

# Names of secrets (not one): a value after any of them is masked.
_SECRET_NAMES = "|".join(
    (
        "access_token|refresh_token|id_token|token|api_?key|apikey|key|secret|client_secret",
        "password|passwd|pwd|pass|auth|code|signature|sig|session|sessionid|sid|jwt|otp",
        "credential|credentials|private_token",
    )
)
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization-style headers and bearer or basic credentials.
    (
        re.compile(r"(?i)\b(bearer|basic|token)(\s+|%20|\+)[A-Za-z0-9._~+/=\-]+"),
        r"\1 " + TOKEN,
    ),
    (
        re.compile(r"(?i)\b(authorization|x-api-key|cookie|set-cookie)(\s*[:=]\s*)[^\n\r]+"),
        r"\1\2" + REDACTED,
    ),
    # name=value secrets in query strings, forms, JSON-ish text and logs.
    (
        re.compile(
            r"(?i)([?&;#\s\"',{(]|^)((?:" + _SECRET_NAMES + r")[\"']?\s*[=:]\s*[\"']?)"
            r"[^&#\s\"',;)}]+"
        ),
        r"\1\2" + REDACTED,
    ),
    # JSON Web Tokens, then well-known key prefixes, then long random-looking strings.
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), TOKEN),
    (
        re.compile(
            r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,}"
            r"|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|xox[abpors]-[A-Za-z0-9-]{10,}"
            r"|AKIA[A-Z0-9]{16})"
        ),
        TOKEN,
    ),
    # Emails.
    (re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"), EMAIL),
    # IPv4, then IPv6 (with :: shortening and an optional zone or embedded IPv4).
    (re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d])"), IP),
    (
        re.compile(
            r"(?i)(?<![0-9a-z:])(?:"
            r"(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}"
            r"|(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?"
            r")(?:%[0-9a-z]+)?(?![0-9a-z:])"
        ),
        IP,
    ),
)
_LONG_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=]{32,}")


def _long(match: re.Match[str]) -> str:
    text = match.group(0)
    # Long runs of letters alone (an identifier) stay; mixed letters and digits go.
    has_digit = any(c.isdigit() for c in text)
    has_alpha = any(c.isalpha() for c in text)
    return TOKEN if has_digit and has_alpha else text


def sanitize(text: str) -> str:
    """``text`` with every secret this module knows of masked."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return _LONG_TOKEN.sub(_long, text)


def sanitize_json(value: Any, depth: int = 0) -> Any:
    """A JSON value with every string (keys too) sanitised; secret-named keys redacted."""
    if depth > 20:
        return None
    if isinstance(value, str):
        return sanitize(value)
    if isinstance(value, list):
        return [sanitize_json(v, depth + 1) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = sanitize(str(k))
            secret = re.fullmatch(r"(?i)(?:" + _SECRET_NAMES + r")", key) is not None
            out[key] = REDACTED if secret else sanitize_json(v, depth + 1)
        return out
    return value
