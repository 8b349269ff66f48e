"""The public page and the click redirect: HTML, CSP nonce, ETag and 304,
the KV cache and its invalidation, and views and clicks counted."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from core.profiles.public_page import page as page_module
from core.profiles.public_page import routes as public
from core.profiles.repo import PublicRepo
from tests.profiles.conftest import add_link, make_profile


@pytest.fixture
def events(monkeypatch) -> list:
    seen: list = []
    monkeypatch.setattr(public, "record_after_response", lambda request, event: seen.append(event))
    return seen


def nonce_of(response) -> str:
    return response.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]


async def cached_entries(runtime) -> list[str]:
    await runtime.defer.drain(5)
    return (await runtime.ports().kv.list(page_module.CACHE_PREFIX)).keys


async def test_the_page_shows_the_profile_and_its_active_links(
    client, alice, profile, events
) -> None:
    shown = await add_link(alice, profile["id"], "My <b>blog</b>", "https://www.example.com/b")
    hidden = await add_link(alice, profile["id"], "Secret", "https://example.com/s")
    await alice.patch(f"/api/links/{hidden['id']}", json={"is_active": False})

    response = await client.get("/p/alice")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<h1>Alice Liddell</h1>" in html and "Down the rabbit hole." in html
    assert f'href="/l/{shown["id"]}"' in html
    assert "My &lt;b&gt;blog&lt;/b&gt;" in html and "example.com" in html
    assert "Secret" not in html and hidden["id"] not in html
    assert '<html lang="en">' in html and "<nav aria-label=" in html
    # Two scripts, the nonce'd analytics beacon and web-vitals sender, and nothing
    # from another site.
    nonce = response.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    assert html.count("<script") == 2
    assert html.count(f'<script nonce="{nonce}" data-profile="{profile["id"]}">') == 2
    assert not re.search(r'(?:src|href|action)="(?:https?:)?//', html)
    assert events[0].type == "profile_view"
    assert events[0].profile_id == profile["id"] and events[0].path == "/p/alice"


async def test_each_response_has_its_own_nonce_and_the_same_etag(client, profile) -> None:
    first, second = await client.get("/p/alice"), await client.get("/p/alice")
    n1, n2 = nonce_of(first), nonce_of(second)
    assert n1 != n2
    assert f'<style nonce="{n1}">' in first.text and f'<style nonce="{n2}">' in second.text
    assert "<nonce>" not in first.text
    csp = first.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["etag"].startswith('W/"')
    assert first.headers["cache-control"] == "no-cache"
    assert first.headers["strict-transport-security"]


async def test_if_none_match_answers_304_that_keeps_the_stored_page_working(
    client, profile, events
) -> None:
    first = await client.get("/p/alice")
    etag = first.headers["etag"]
    again = await client.get("/p/alice", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    # The browser keeps the first body (its nonce) but takes the 304's CSP: the
    # style's hash in it allows the stored style whatever the nonce.
    style = re.search(r"<style nonce=\"[^\"]+\">(.*?)</style>", first.text, re.DOTALL)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in again.headers["content-security-policy"]
    other = await client.get("/p/alice", headers={"if-none-match": 'W/"stale", "other"'})
    assert other.status_code == 200
    assert [e.type for e in events] == ["profile_view"] * 3  # a revalidation is a view too


async def test_the_page_is_served_from_the_cache_until_it_changes(
    client, alice, profile, runtime, monkeypatch
) -> None:
    first = await client.get("/p/alice")
    assert await cached_entries(runtime) == [page_module.cache_key("alice")]
    # Mark the cached copy: the next response must be it, with no database read.
    kv = runtime.ports().kv
    entry = page_module.RenderedPage.from_json(await kv.get(page_module.cache_key("alice")))
    ids = {"id": entry.profile_id, "owner_id": entry.owner_id, "slug": entry.slug}
    marked = page_module.RenderedPage.of(ids, entry.body.replace("Alice Liddell", "From Cache"))
    await kv.put(page_module.cache_key("alice"), marked.to_json())

    async def no_database(*args):
        raise AssertionError("a cached page reads nothing from the database")

    with monkeypatch.context() as patched:
        patched.setattr(PublicRepo, "profile_by_slug", no_database)
        cached = await client.get("/p/alice")
    assert "From Cache" in cached.text and cached.headers["etag"] != first.headers["etag"]

    # Any change clears it: the page shows the change at once.
    link = await add_link(alice, profile["id"], "New link", "https://example.com/new")
    fresh = await client.get("/p/alice")
    assert "From Cache" not in fresh.text and "New link" in fresh.text
    await runtime.defer.drain(5)
    await alice.patch(f"/api/links/{link['id']}", json={"title": "Renamed"})
    assert "Renamed" in (await client.get("/p/alice")).text
    await runtime.defer.drain(5)
    await alice.patch(f"/api/profiles/{profile['id']}", json={"bio": "A new bio."})
    assert "A new bio." in (await client.get("/p/alice")).text
    await runtime.defer.drain(5)
    await alice.delete(f"/api/links/{link['id']}")
    assert "Renamed" not in (await client.get("/p/alice")).text
    await runtime.defer.drain(5)
    await alice.patch(f"/api/profiles/{profile['id']}", json={"slug": "alice-2"})
    assert (await client.get("/p/alice")).status_code == 404
    assert (await client.get("/p/alice-2")).status_code == 200
    await runtime.defer.drain(5)
    await alice.patch(f"/api/profiles/{profile['id']}", json={"is_public": False})
    assert (await client.get("/p/alice-2")).status_code == 404


async def test_missing_slugs_are_cached_until_a_profile_takes_one(client, alice, runtime) -> None:
    assert (await client.get("/p/newcomer")).status_code == 404
    assert await cached_entries(runtime) == [page_module.cache_key("newcomer")]
    await make_profile(alice, slug="newcomer")
    assert (await client.get("/p/newcomer")).status_code == 200


async def test_an_erased_accounts_pages_are_gone_at_once(client, alice, profile, runtime) -> None:
    await make_profile(alice, slug="alice-too")
    for slug in ("alice", "alice-too"):
        assert (await client.get(f"/p/{slug}")).status_code == 200
    await runtime.defer.drain(5)
    erased = await alice.request("DELETE", "/api/me", json={"password": "correct horse battery"})
    assert erased.status_code == 204
    for slug in ("alice", "alice-too"):
        assert (await client.get(f"/p/{slug}")).status_code == 404


async def test_reordering_and_hiding_change_the_page(client, alice, profile) -> None:
    pid = profile["id"]
    a = await add_link(alice, pid, "Alpha", "https://example.com/a")
    b = await add_link(alice, pid, "Beta", "https://example.com/b")
    html = (await client.get("/p/alice")).text
    assert html.index("Alpha") < html.index("Beta")
    await alice.put(f"/api/profiles/{pid}/links/order", json={"link_ids": [b["id"], a["id"]]})
    html = (await client.get("/p/alice")).text
    assert html.index("Beta") < html.index("Alpha")
    await alice.patch(f"/api/links/{b['id']}", json={"is_active": False})
    assert "Beta" not in (await client.get("/p/alice")).text


async def test_the_page_renders_when_the_cache_is_down(client, profile, runtime, monkeypatch):
    kv = runtime.ports().kv

    async def broken(*args, **kwargs):
        raise ConnectionError("KV is down")

    monkeypatch.setattr(kv, "get", broken)
    monkeypatch.setattr(kv, "put", broken)
    response = await client.get("/p/alice")
    assert response.status_code == 200 and "Alice Liddell" in response.text
    await runtime.defer.drain(5)  # the failed cache write is logged, not raised
    again = await client.get("/p/alice", headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304


async def test_user_text_cannot_forge_the_nonce(client, alice, profile) -> None:
    await alice.patch(
        f"/api/profiles/{profile['id']}", json={"bio": 'x" <nonce> <style nonce="<nonce>">'}
    )
    response = await client.get("/p/alice")
    nonce = nonce_of(response)
    # only the page's own <style> and <script>s (the analytics beacon, web vitals)
    assert response.text.count(nonce) == 3
    assert "&lt;nonce&gt;" in response.text


async def test_private_and_missing_profiles_are_not_found(client, alice, profile, events) -> None:
    await alice.patch(f"/api/profiles/{profile['id']}", json={"is_public": False})
    for path in ("/p/alice", "/p/nobody-here", "/p/a", "/p/" + "x" * 40, "/p/%3Cscript%3E"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert "Alice" not in response.text
    assert events == []


async def test_the_slug_is_found_whatever_its_case(client, profile) -> None:
    assert (await client.get("/p/ALICE")).status_code == 200


async def test_a_link_redirects_and_counts_the_click(client, alice, profile, events) -> None:
    link = await add_link(alice, profile["id"], "Blog", "https://example.com/blog?a=1")
    response = await client.get(f"/l/{link['id']}")
    assert response.status_code == 302
    assert response.headers["location"] == "https://example.com/blog?a=1"
    assert response.headers["cache-control"] == "no-store"
    (event,) = events
    assert event.type == "link_click" and event.link_id == link["id"]
    assert event.profile_id == profile["id"] and event.path == "/p/alice"


async def test_hidden_links_and_private_profiles_do_not_redirect(
    client, alice, profile, events
) -> None:
    link = await add_link(alice, profile["id"], "Blog", "https://example.com/blog")
    await alice.patch(f"/api/links/{link['id']}", json={"is_active": False})
    assert (await client.get(f"/l/{link['id']}")).status_code == 404
    await alice.patch(f"/api/links/{link['id']}", json={"is_active": True})
    await alice.patch(f"/api/profiles/{profile['id']}", json={"is_public": False})
    assert (await client.get(f"/l/{link['id']}")).status_code == 404
    assert (await client.get("/l/01ARZ3NDEKTSV4RRFFQ69G5FAV")).status_code == 404
    assert (await client.get("/l/not-an-id")).status_code == 404
    assert events == []


async def test_a_github_link_shows_its_repository(client, alice, profile, runtime) -> None:
    link = await add_link(alice, profile["id"], "Code", "https://github.com/alice/wonderland")
    await runtime.database.run(
        "UPDATE github_sync_jobs SET stars = 1234, forks = 56, language = 'Python',"
        " description = 'Curiouser and curiouser', last_sync_at = 1790000000 WHERE link_id = ?",
        link["id"],
    )
    html = (await client.get("/p/alice")).text
    assert "1,234 stars" in html and "56 forks" in html and "Python" in html
    assert "Curiouser and curiouser" in html
    shown = (await alice.get(f"/api/links/{link['id']}")).json()["github"]
    assert shown["stars"] == 1234 and shown["language"] == "Python"
    assert shown["synced_at"] == "2026-09-21T14:13:20Z"


async def test_the_page_of_a_profile_made_later_with_that_slug(client, alice, bob) -> None:
    first = await make_profile(alice, slug="shared-name")
    assert "Alice Liddell" in (await client.get("/p/shared-name")).text
    await alice.delete(f"/api/profiles/{first['id']}")
    assert (await client.get("/p/shared-name")).status_code == 404
    await bob.post("/api/profiles", json={"slug": "shared-name", "display_name": "Bob"})
    assert "<h1>Bob</h1>" in (await client.get("/p/shared-name")).text
