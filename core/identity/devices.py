"""A session's device for a person to read: "Firefox on Linux", not the whole
user-agent string. ``ua-parser`` (pinned) reads it; its rules load on the first
call (about 0.3 s), so the account page pays that once, nothing else does."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

_parser: Any = None


def _parse(agent: str) -> Any:
    global _parser
    if _parser is None:
        from ua_parser import BasicResolver, Parser, load_builtins

        _parser = Parser(BasicResolver(load_builtins()))
    return _parser.parse(agent[:512])


@functools.lru_cache(maxsize=256)
def device_name(agent: str | None) -> str:
    """``"Chrome 124 on Windows"``, ``"An app or script (curl)"``, or ``"Unknown device"``."""
    if not agent or not agent.strip():
        return "Unknown device"
    result = _parse(agent)
    browser = result.user_agent
    os = result.os
    name = None
    if browser is not None and browser.family != "Other":
        name = browser.family + (f" {browser.major}" if browser.major else "")
    where = os.family if os is not None and os.family != "Other" else None
    if name and where:
        return f"{name} on {where}"
    if name or where:
        return name or f"A browser on {where}"
    return f"An app or script ({agent.split('/', 1)[0][:40].strip() or 'unknown'})"


def readable_time(value: str | float | None) -> str:
    """An ISO-8601 UTC time (or epoch seconds) as ``"3 Dec 2026, 08:37 UTC"``."""
    if value is None or value == "":
        return ""
    if isinstance(value, int | float):
        moment = datetime.fromtimestamp(value, UTC)
    else:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return value
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"
