"""User agents to device type, browser and OS with ``ua-parser``, bots dropped.

The parser's rules (``ua-parser-builtins``) take about 0.3 s to load in CPython,
more under Pyodide. Nothing is loaded at import: at the edge that keeps the
1 s startup (and the deploy-time snapshot) free of it, and the first event
pays the load inside ``wait_until``, after its response has gone. Locally the
runtime calls ``warm()`` on startup. Each distinct user agent is then parsed
once and kept in an LRU cache (parsing one is 1-2 ms; a cached answer about
a microsecond).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

# Clients that are scripts, crawlers or headless browsers, whatever ua-parser says.
_BOT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|headless|phantomjs|curl/|wget/|python-requests|"
    r"python-urllib|python-httpx|aiohttp|httpclient|go-http-client|okhttp|java/|libwww|"
    r"scrapy|node-fetch|axios/|undici|postmanruntime|insomnia|lighthouse|pingdom|"
    r"uptime|monitor|facebookexternalhit|preview|feedfetcher|httpie",
    re.IGNORECASE,
)
_BOT_BROWSERS = frozenset({"HeadlessChrome", "PhantomJS", "Python Requests", "curl", "Wget"})
_TABLET = re.compile(r"ipad|tablet|kindle|silk/|playbook|nexus (7|9|10)\b", re.IGNORECASE)
_MOBILE = re.compile(r"mobi|iphone|ipod|android.*mobile|windows phone|opera mini", re.IGNORECASE)
_MAX_AGENT = 512

_parser: Any = None


@dataclass(frozen=True, slots=True)
class Agent:
    device: str | None  # "mobile" | "tablet" | "desktop"
    browser: str | None
    os: str | None
    bot: bool


BOT = Agent(None, None, None, True)


def _load() -> Any:
    global _parser
    if _parser is None:  # one event loop calls this: no lock (and the edge has no threads)
        from ua_parser import BasicResolver, Parser, load_builtins

        # No resolver cache here: describe() caches the whole answer.
        _parser = Parser(BasicResolver(load_builtins()))
    return _parser


def warm() -> None:
    """Load the parser's rules now (the local runtime calls this on startup)."""
    describe("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0")


@functools.lru_cache(maxsize=4096)
def describe(user_agent: str | None) -> Agent:
    """Device type, browser and OS of ``user_agent``; ``bot`` for scripts and crawlers."""
    if not user_agent or len(user_agent) < 8 or _BOT.search(user_agent):
        return BOT
    result = _load().parse(user_agent[:_MAX_AGENT])
    device = result.device.family if result.device else None
    browser = result.user_agent.family if result.user_agent else None
    os = result.os.family if result.os else None
    if device == "Spider" or browser in _BOT_BROWSERS:
        return BOT
    if _TABLET.search(user_agent) or (os == "Android" and "Mobile" not in user_agent):
        kind = "tablet"
    elif _MOBILE.search(user_agent) or os in ("iOS", "Android"):
        kind = "mobile"
    else:
        kind = "desktop"
    return Agent(
        kind,
        None if browser in (None, "Other") else browser,
        None if os in (None, "Other") else os,
        False,
    )
