"""The cached public page answered in the pipeline (``FastPath``) answers exactly
as its route does: status, every header in order, body and the view recorded.

Two apps over one runtime: the product's, and the same features with no fast
path (every request goes through FastAPI to ``public_profile``). Each request
comes from a new address, so each is the first of its rate-limit bucket in
both apps; the nonce and the request id are fixed, so every header must be
byte for byte the same."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from core.app import create_app
from core.features import FEATURES
from core.http import context
from core.profiles.public_page import page as page_module
from core.profiles.public_page import routes as public
from tests.conftest import make_client
from tests.profiles.conftest import add_link

_addresses = (f"192.0.2.{n}" for n in itertools.count(10))


@pytest.fixture
async def slow_app(settings, runtime):
    return create_app(settings, runtime, tuple(replace(f, fast_paths=()) for f in FEATURES))


@pytest.fixture
def fixed_nonce(monkeypatch) -> str:
    monkeypatch.setattr(context, "new_nonce", lambda: "Zm9yIHRoZSB0ZXN0")
    return "Zm9yIHRoZSB0ZXN0"


@pytest.fixture
def routes_taken(monkeypatch) -> list[str]:
    """Which way each answer came: ``lookup`` is the route's, ``cached`` the fast path's."""
    taken: list[str] = []
    lookup, cached = page_module.lookup, page_module.cached

    async def spy_lookup(*args, **kwargs):
        taken.append("route")
        return await lookup(*args, **kwargs)

    async def spy_cached(*args, **kwargs):
        found = await cached(*args, **kwargs)
        if found is not None:
            taken.append("fast")
        return found

    monkeypatch.setattr(page_module, "lookup", spy_lookup)
    monkeypatch.setattr(page_module, "cached", spy_cached)
    return taken


@pytest.fixture
def events(monkeypatch) -> list:
    seen: list = []
    monkeypatch.setattr(public, "record_after_response", lambda request, event: seen.append(event))
    return seen


async def get(app, path: str, headers: dict[str, str] | None = None):
    async with make_client(app, ip=next(_addresses)) as client:
        return await client.get(path, headers={"x-request-id": "compare-0001", **(headers or {})})


def _timed(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(n, b"app;dur=*" if n == b"server-timing" else v) for n, v in raw]


async def both(app, slow_app, path: str, headers: dict[str, str] | None = None):
    fast = await get(app, path, headers)
    slow = await get(slow_app, path, headers)
    return fast, slow


def assert_same(fast, slow) -> None:
    assert fast.status_code == slow.status_code
    # every header, in order, byte for byte (Server-Timing's duration aside)
    assert _timed(fast.headers.raw) == _timed(slow.headers.raw)
    assert fast.content == slow.content


@pytest.fixture
async def cached_page(client, alice, profile, runtime) -> str:
    await add_link(alice, profile["id"], "Blog", "https://example.com/blog")
    assert (await client.get("/p/alice")).status_code == 200  # rendered, cached after
    await runtime.defer.drain(5)
    return "/p/alice"


async def test_a_cached_page_is_the_same_from_the_fast_path(
    app, slow_app, cached_page, fixed_nonce, routes_taken, events
) -> None:
    fast, slow = await both(app, slow_app, cached_page)
    assert routes_taken == ["fast", "route"]
    assert fast.status_code == 200
    assert f"'nonce-{fixed_nonce}'" in fast.headers["content-security-policy"]
    assert_same(fast, slow)
    assert [n for n, _ in fast.headers.raw].count(b"ratelimit") == 1
    assert events[0] == events[1] and events[0].type == "profile_view"
    assert events[0].response_bytes == len(fast.content)


@pytest.mark.parametrize("if_none_match", ["match", "*", 'W/"other", match', 'W/"other"'])
async def test_revalidation_is_the_same_from_the_fast_path(
    app, slow_app, cached_page, fixed_nonce, routes_taken, events, if_none_match
) -> None:
    etag = (await get(app, cached_page)).headers["etag"]
    routes_taken.clear()
    events.clear()
    fast, slow = await both(
        app, slow_app, cached_page, {"if-none-match": if_none_match.replace("match", etag)}
    )
    assert routes_taken == ["fast", "route"]
    assert fast.status_code == (200 if if_none_match == 'W/"other"' else 304)
    assert_same(fast, slow)
    assert events[0] == events[1]


@pytest.mark.parametrize(
    "path", ["/p/ALICE", "/p/nobody", "/p/a", "/p/alice/more", "/p/alice%2Fx", "/p/"]
)
async def test_other_answers_are_the_same_and_come_from_the_route(
    app, slow_app, cached_page, fixed_nonce, runtime, events, path
) -> None:
    await get(app, path)  # a missing slug's entry is cached after its first answer
    await runtime.defer.drain(5)
    events.clear()
    fast, slow = await both(app, slow_app, path)
    assert_same(fast, slow)
    assert events[::2] == events[1::2]


async def test_a_cache_entry_gone_or_unreadable_goes_to_the_route(
    app, cached_page, runtime, routes_taken
) -> None:
    kv = runtime.ports().kv
    await kv.put(page_module.cache_key("alice"), "{not json", ttl=60)
    assert (await get(app, cached_page)).status_code == 200
    assert routes_taken == ["route"]  # which logged the entry and rendered the page
    await kv.delete(page_module.cache_key("alice"))
    assert (await get(app, cached_page)).status_code == 200
    assert routes_taken == ["route", "route"]


async def test_the_rate_limit_comes_before_the_fast_path(
    settings, runtime, cached_page, routes_taken
) -> None:
    limited = create_app(settings.model_copy(update={"rate_limit": 1}), runtime)
    async with make_client(limited, ip="192.0.2.250") as client:
        assert (await client.get(cached_page)).status_code == 200
        refused = await client.get(cached_page)
    assert refused.status_code == 429
    assert refused.headers["retry-after"]
    assert routes_taken == ["fast"]


async def test_a_page_read_in_the_last_second_skips_kv_until_it_changes(
    app, alice, profile, cached_page, runtime, clock, routes_taken
) -> None:
    kv = runtime.ports().kv
    assert (await get(app, cached_page)).status_code == 200  # read from KV, remembered
    await kv.put(page_module.cache_key("alice"), "{not json", ttl=60)  # another process
    assert (await get(app, cached_page)).status_code == 200  # remembered: no KV read
    assert routes_taken == ["fast", "fast"]
    clock.advance(page_module.RECENT_SECONDS)
    assert (await get(app, cached_page)).status_code == 200
    assert routes_taken[-1] == "route"  # read KV again: unreadable, so the route
    await runtime.defer.drain(5)
    routes_taken.clear()
    await get(app, cached_page)
    assert routes_taken == ["fast"]
    # This process's own edit shows at once: forget() drops the remembered page.
    await alice.patch(f"/api/profiles/{profile['id']}", json={"display_name": "Changed"})
    assert "Changed" in (await get(app, cached_page)).text
