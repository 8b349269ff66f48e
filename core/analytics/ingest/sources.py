"""Where a visit came from: referrer host, UTM tags, and the place facts."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

_MAX_TAG = 100
_MAX_URL = 512
_MAX_PLACE = 80


@functools.lru_cache(maxsize=2048)
def referrer_of(url: str | None, own_host: str | None = None) -> tuple[str | None, str | None]:
    """(host, url without query or fragment) of a referrer; (None, None) for none,
    a malformed one, or one from this site's own pages."""
    if not url:
        return None, None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None, None
    if parts.scheme not in ("http", "https", "android-app") or not host:
        return None, None
    host = host.lower().removeprefix("www.")
    if own_host and host == own_host.lower().split(":", 1)[0].removeprefix("www."):
        return None, None
    # The query and fragment can carry someone's tokens: they are never kept.
    return host[:253], f"{parts.scheme}://{parts.netloc}{parts.path}"[:_MAX_URL]


def utm_of(query: str) -> tuple[str | None, str | None, str | None]:
    """utm_source, utm_medium and utm_campaign of a URL query string."""
    if "utm_" not in query:
        return None, None, None
    return _utm_tags(query)


# A campaign's links carry the same few queries: each is parsed once (parse_qsl
# costs several microseconds an event).
@functools.lru_cache(maxsize=1024)
def _utm_tags(query: str) -> tuple[str | None, str | None, str | None]:
    tags = {
        key: value.strip()[:_MAX_TAG] or None
        for key, value in parse_qsl(query, keep_blank_values=False)
        if key in ("utm_source", "utm_medium", "utm_campaign")
    }
    return tags.get("utm_source"), tags.get("utm_medium"), tags.get("utm_campaign")


def split_path(path: str | None) -> tuple[str | None, str]:
    """A page path and its query, apart (the path is stored, the query is not)."""
    if not path:
        return None, ""
    route, _, query = path.partition("?")
    return route.split("#", 1)[0][:512] or "/", query


def place(facts: Mapping[str, str]) -> tuple[str | None, str | None, str | None, str | None]:
    """(country, region, city, timezone) from ``request_facts``."""
    get = facts.get
    return _place(get("country"), get("region"), get("city"), get("timezone"))


# Visitors come from a few thousand places: each is cleaned once.
@functools.lru_cache(maxsize=4096)
def _place(
    country: str | None, region: str | None, city: str | None, timezone: str | None
) -> tuple[str | None, str | None, str | None, str | None]:
    code = (country or "").strip().upper()[:2] or None
    if code in ("XX", "T1"):  # Cloudflare: unknown, Tor
        code = None
    return code, _clean(region), _clean(city), _clean(timezone)


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    return value.strip()[:_MAX_PLACE] or None


@functools.lru_cache(maxsize=1024)
def _offset(timezone: str, day: int) -> int | None:
    try:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(timezone)
    except Exception:  # no tz database (Pyodide may not ship one) or an unknown name
        return None
    delta = datetime.fromtimestamp(day * 86400 + 43200, UTC).astimezone(zone).utcoffset()
    return None if delta is None else int(delta.total_seconds() // 60)


def tz_offset(timezone: str | None, at: float) -> int | None:
    """Minutes east of UTC of ``timezone`` on the day of ``at`` (None when unknown)."""
    if not timezone:
        return None
    return _offset(timezone, int(at // 86400))
