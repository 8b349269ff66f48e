"""The public profile page: rendered from the database, cached in KV by slug,
and served with this response's CSP nonce.

The nonce problem. A cached body cannot carry a per-response nonce, so the page
is rendered and cached with ``NONCE_SLOT`` where the nonce goes, and each
response substitutes its own. The slot contains '<', which autoescaping turns
into ``&lt;`` in every piece of user text, so no profile can forge it. The ETag
is a hash of the slotted body: stable for the content, whatever the nonce.

That leaves revalidation: a 304 lets the browser reuse its stored body (with
the nonce of the response that delivered it), but the 304's own headers replace
the stored ones, CSP included (Chromium does; tests/browser checks the page
stays styled). So the page's policy also lists the SHA-256 of each inline
``<style>`` and ``<script>``: those match the stored body whatever its nonce,
and the 304 carries the same policy.

The cache. A view reads one KV key, ``profile-page:v1:<slug>``, and nothing
else: no database query (the profile and owner ids travel in the entry, for
the view record). Missing and private slugs are cached too, so probing for
slugs does not reach the database. Every change to a profile or its links
deletes the keys of its old and new slug once its batch has committed; a
reader that rendered just before the change could put the older page back,
so entries live ``CACHE_TTL`` (KV's minimum, 60 s): that bounds such a race,
GitHub details refreshed by a sync, and, at the edge, KV's own propagation
delay alike. An erased account's pages are deleted through the slugs kept
under ``profile-slugs:<owner id>``. When KV fails, the page renders from the
database and only the cache is lost.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment
from markupsafe import Markup

from core.github import github_details
from core.http import headers as sec
from core.ports import KV_MIN_TTL, Ports
from core.profiles import avatars
from core.profiles.repo import PublicLink, PublicProfile, PublicRepo

log = logging.getLogger("creator_edge.profiles")

NONCE_SLOT = "<nonce>"
CACHE_PREFIX = "profile-page:v1:"
SLUGS_PREFIX = "profile-slugs:"
CACHE_TTL = KV_MIN_TTL
# The entry of a slug no public profile holds.
MISSING = '{"missing": true}'
# Browsers keep the page but ask each time (a 304 when unchanged): every
# visit is counted and an edit shows at once.
CACHE_CONTROL = "no-cache"
# An inline block of the page's own (its attributes after the nonce are ours too).
_INLINE = re.compile(
    r"<(style|script) nonce=\"" + re.escape(NONCE_SLOT) + r"\"[^>]*>(.*?)</\1>", re.DOTALL
)


class Missing(Exception):
    """The cached entry says no public profile has this slug."""


@dataclass(frozen=True, slots=True)
class RenderedPage:
    profile_id: str
    owner_id: str
    slug: str
    body: str  # with NONCE_SLOT where each response's nonce goes
    etag: str
    styles: tuple[str, ...]  # base64 SHA-256 of each inline <style>
    scripts: tuple[str, ...]
    # The body's UTF-8 bytes split at each NONCE_SLOT: a response joins them with
    # its nonce (one pass over the page, where replace-then-encode made two).
    _parts: tuple[bytes, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = tuple(part.encode() for part in self.body.split(NONCE_SLOT))
        object.__setattr__(self, "_parts", parts)

    @classmethod
    def of(cls, profile: PublicProfile, body: str) -> RenderedPage:
        digest = hashlib.sha256(body.encode()).digest()
        etag = 'W/"' + base64.urlsafe_b64encode(digest[:18]).decode() + '"'
        styles: list[str] = []
        scripts: list[str] = []
        for kind, content in _INLINE.findall(body):
            value = base64.b64encode(hashlib.sha256(content.encode()).digest()).decode()
            (styles if kind == "style" else scripts).append(value)
        ids = (profile["id"], profile["owner_id"], profile["slug"])
        return cls(*ids, body, etag, tuple(styles), tuple(scripts))

    def to_json(self) -> str:
        return json.dumps(
            {
                "profile_id": self.profile_id,
                "owner_id": self.owner_id,
                "slug": self.slug,
                "body": self.body,
                "etag": self.etag,
                "styles": self.styles,
                "scripts": self.scripts,
            }
        )

    @classmethod
    def from_json(cls, raw: str) -> RenderedPage:
        data = json.loads(raw)
        if data.get("missing"):
            raise Missing
        return cls(
            data["profile_id"],
            data["owner_id"],
            data["slug"],
            data["body"],
            data["etag"],
            tuple(data["styles"]),
            tuple(data["scripts"]),
        )

    def html(self, nonce: str) -> str:
        return self.body.replace(NONCE_SLOT, nonce)

    def html_bytes(self, nonce: str) -> bytes:
        """``html(nonce)`` encoded, as the response sends it."""
        return nonce.encode().join(self._parts)

    def headers(self, nonce: str) -> dict[str, str]:
        return {
            "etag": self.etag,
            "cache-control": CACHE_CONTROL,
            "content-security-policy": self.policy(nonce),
        }

    def policy(self, nonce: str) -> str:
        """The page CSP with this nonce, plus the hashes of the inline blocks."""
        return _policy_with_hashes(self.styles, self.scripts).replace(_NONCE_MARK, nonce)

    def policy_bytes(self, nonce: str) -> bytes:
        """``policy(nonce)`` as a header value."""
        return nonce.encode().join(_policy_parts(self.styles, self.scripts))

    def matches(self, if_none_match: str | None) -> bool:
        """Weak comparison, as If-None-Match uses."""
        if not if_none_match:
            return False
        if if_none_match.strip() == "*":
            return True
        mine = self.etag.removeprefix("W/")
        return any(tag.strip().removeprefix("W/") == mine for tag in if_none_match.split(","))


_NONCE_MARK = "\x00"


@functools.lru_cache(maxsize=64)
def _policy_with_hashes(styles: tuple[str, ...], scripts: tuple[str, ...]) -> str:
    extra = {
        "style-src": " ".join(f"'sha256-{h}'" for h in styles),
        "script-src": " ".join(f"'sha256-{h}'" for h in scripts),
    }
    directives = []
    for directive in sec.page_csp(_NONCE_MARK).decode().split(";"):
        directive = directive.strip()
        name = directive.split(" ", 1)[0]
        if extra.get(name):
            directive = f"{directive} {extra[name]}"
        directives.append(directive)
    return "; ".join(directives)


@functools.lru_cache(maxsize=64)
def _policy_parts(styles: tuple[str, ...], scripts: tuple[str, ...]) -> tuple[bytes, ...]:
    policy = _policy_with_hashes(styles, scripts)
    return tuple(part.encode("latin-1") for part in policy.split(_NONCE_MARK))


def cache_key(slug: str) -> str:
    return f"{CACHE_PREFIX}{slug}"


def slugs_key(owner_id: str) -> str:
    return f"{SLUGS_PREFIX}{owner_id}"


# Cache entries already parsed, by their exact text: a hit is then a dictionary
# lookup instead of decoding 5 KB of JSON. Bounded; cleared whole when full.
_PARSED: dict[str, RenderedPage] = {}
_PARSED_MAX = 256


def parsed(raw: str) -> RenderedPage:
    """``RenderedPage.from_json(raw)``, remembered for the same text."""
    page = _PARSED.get(raw)
    if page is None:
        page = RenderedPage.from_json(raw)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[raw] = page
    return page


# Pages this process read from KV in the last ``RECENT_SECONDS``, by KV store and
# slug: the busiest pages skip the KV read too. ``forget`` drops a slug's at once,
# so this process's own edits show at once; another process's (a cron run, a
# second server on the data dir) within ``RECENT_SECONDS``, far inside the
# ``CACHE_TTL`` every cached page already allows.
RECENT_SECONDS = 1.0
_RECENT_MAX = 1024
_recent: weakref.WeakKeyDictionary[object, dict[str, tuple[float, RenderedPage]]] = (
    weakref.WeakKeyDictionary()
)


def _recent_of(ports: Ports) -> dict[str, tuple[float, RenderedPage]]:
    try:
        return _recent.setdefault(ports.kv, {})
    except TypeError:  # a KV object that cannot be weakly referenced: no memory
        return {}


async def cached(ports: Ports, slug: str) -> RenderedPage | None:
    """The cached page of ``slug`` when KV holds a readable one; None for anything
    else (no entry, a missing profile's, an unreadable one, KV down): ``lookup``
    then answers, logging what it finds."""
    recent = _recent_of(ports)
    now = ports.clock.now()
    hit = recent.get(slug)
    if hit is not None and 0 <= now - hit[0] < RECENT_SECONDS:
        return hit[1]
    try:
        raw = await ports.kv.get(cache_key(slug))
        page = None if raw is None else parsed(raw)
    except Exception:
        page = None
    if page is None:
        recent.pop(slug, None)
    else:
        if len(recent) >= _RECENT_MAX:
            recent.clear()
        recent[slug] = (now, page)
    return page


async def lookup(ports: Ports, pages: Environment, slug: str) -> RenderedPage | None:
    """The page of the public profile at ``slug`` (lower-case), or None: from
    the cache, or from the database and then cached after the response."""
    key = cache_key(slug)
    try:
        raw = await ports.kv.get(key)
    except Exception as error:  # the cache is down: the page does not need it
        log.warning("profile page cache unreadable: %s: %s", type(error).__name__, error)
        raw = None
    if raw is not None:
        try:
            return parsed(raw)
        except (ValueError, KeyError, TypeError):
            log.warning("profile page cache entry unreadable: %s", key)
        except Missing:
            return None
    profile = await PublicRepo(ports.db).profile_by_slug(slug)
    page = None if profile is None else await render(ports, pages, profile)
    ports.defer(_store(ports, key, MISSING if page is None else page.to_json()))
    return page


async def _store(ports: Ports, key: str, value: str) -> None:
    try:
        await ports.kv.put(key, value, ttl=CACHE_TTL)
    except Exception as error:
        log.warning("profile page cache not written: %s: %s", type(error).__name__, error)


async def forget(ports: Ports, slugs: Iterable[str]) -> None:
    """Drop the cached pages of ``slugs``: their profile or its links changed."""
    recent = _recent_of(ports)
    for slug in dict.fromkeys(slugs):
        recent.pop(slug, None)
        try:
            await ports.kv.delete(cache_key(slug))
        except Exception as error:
            log.warning("profile page cache not cleared: %s: %s", type(error).__name__, error)


async def owner_pages_changed(ports: Ports, owner_id: str) -> None:
    """For other features whose data shows on an owner's pages (an avatar asset
    deleted): call after the change has committed, and the pages show it at once."""
    await forget(ports, await PublicRepo(ports.db).slugs_of(owner_id))


async def keep_slugs(ports: Ports, owner_id: str, slugs: list[str]) -> None:
    """Note which slugs ``owner_id`` holds, so erasing the account can clear their pages."""
    try:
        if slugs:
            await ports.kv.put(slugs_key(owner_id), json.dumps(slugs))
        else:
            await ports.kv.delete(slugs_key(owner_id))
    except Exception as error:
        log.warning("profile slugs not noted: %s: %s", type(error).__name__, error)


async def forget_owner(ports: Ports, owner_id: str) -> None:
    """An erase hook: the erased account's pages leave the cache at once."""
    try:
        raw = await ports.kv.get(slugs_key(owner_id))
        slugs = json.loads(raw) if raw else []
    except Exception as error:  # the entries still expire within CACHE_TTL
        log.warning("profile slugs unreadable: %s: %s", type(error).__name__, error)
        return
    await forget(ports, [s for s in slugs if isinstance(s, str)])
    await keep_slugs(ports, owner_id, [])


async def render(ports: Ports, pages: Environment, profile: PublicProfile) -> RenderedPage:
    repo = PublicRepo(ports.db)
    rows = await repo.active_links(profile["id"])
    github = await github_details(ports.db, profile["owner_id"], [r["id"] for r in rows])
    urls = await avatars.urls(ports.db, profile["owner_id"], [profile["avatar_asset_id"]])
    links = [_link(row, github.get(row["id"])) for row in rows]
    body = pages.get_template("profile_public.html").render(
        nonce=Markup(NONCE_SLOT),  # noqa: S704 (a constant)
        profile=profile,
        avatar_url=urls.get(profile["avatar_asset_id"] or ""),
        links=links,
    )
    return RenderedPage.of(profile, body)


def _link(row: PublicLink, github: dict[str, Any] | None) -> dict[str, Any]:
    host = urlsplit(row["url"]).hostname or ""
    gh = github or {}
    stats = [
        f"{gh['stars']:,} stars" if isinstance(gh.get("stars"), int) else "",
        f"{gh['forks']:,} forks" if isinstance(gh.get("forks"), int) else "",
        gh.get("language") or "",
    ]
    return {
        "id": row["id"],
        "href": f"/l/{row['id']}",
        "title": row["title"],
        "host": host.removeprefix("www."),
        "stats": " · ".join(s for s in stats if s),
        "description": gh.get("description") or "",
    }
