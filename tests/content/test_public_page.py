"""The public post page, trending tags, and GDPR over content's tables."""

from __future__ import annotations

import json

from core.http import headers as sec
from tests.content.helpers import create


async def published(client, **fields) -> dict:
    post = await create(client, visibility="public", **fields)
    response = await client.post(f"/api/content/{post['id']}/publish")
    assert response.json()["status"] == "published"
    return response.json()


async def test_a_published_post_page_with_seo_tags_and_the_page_headers(
    alice, client, runtime
) -> None:
    post = await published(
        alice, title="Truing <wheels>", tags=["Cycling"], seo_description="All about truing."
    )
    assert post["url"] == f"/c/{post['slug']}"
    page = await client.get(post["url"])
    assert page.status_code == 200
    html = page.text
    assert "<h1>Truing &lt;wheels&gt;</h1>" in html
    assert f'<link rel="canonical" href="http://testserver/c/{post["slug"]}">' in html
    assert '<meta property="og:title" content="Truing &lt;wheels&gt;">' in html
    assert '<meta name="description" content="All about truing.">' in html
    assert '<meta property="article:tag" content="Cycling">' in html
    nonce = page.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    assert page.headers["content-security-policy"] == sec.page_csp(nonce).decode()
    assert f'<style nonce="{nonce}">' in html
    for name, value in sec.STATIC_HEADERS:
        assert page.headers[name.decode()] == value.decode()
    assert await runtime.defer.drain(30.0)
    row = await runtime.database.first("SELECT views FROM content WHERE id = ?", post["id"])
    assert row["views"] == 1
    await runtime.analytics_writer.flush()
    events = await runtime.database.all("SELECT type, path, content_id FROM analytics_events")
    assert {"type": "page_view", "path": post["url"], "content_id": None} in [
        dict(e) for e in events
    ]


async def test_drafts_private_and_archived_posts_are_404(alice, client) -> None:
    draft = await create(alice, visibility="public")
    private = await create(alice, visibility="private")
    await alice.post(f"/api/content/{private['id']}/publish")
    gone = await published(alice)
    await alice.post(f"/api/content/{gone['id']}/archive")
    for post in (draft, private, gone):
        assert (await client.get(f"/c/{post['slug']}")).status_code == 404
    assert (await client.get("/c/NO_SUCH..slug")).status_code == 404


async def test_unlisted_posts_are_served_but_not_indexed(alice, client) -> None:
    post = await create(alice, visibility="unlisted")
    await alice.post(f"/api/content/{post['id']}/publish")
    page = await client.get(f"/c/{post['slug']}")
    assert page.status_code == 200 and '<meta name="robots" content="noindex">' in page.text


async def test_related_posts_by_meaning(alice, bob, client, runtime) -> None:
    bike = await published(
        alice, title="Bicycle repair", body="Truing wheels and patching inner tubes."
    )
    await published(
        bob, title="Cycle maintenance", body="Chains, cassettes and cables on a road cycle."
    )
    await published(
        bob, title="Tax law", body="Deductions, filing deadlines and audits for small firms."
    )
    assert await runtime.defer.drain(60.0)
    html = (await client.get(bike["url"])).text
    related = html.split('aria-label="Related posts"')[1]
    assert related.index("Cycle maintenance") < related.index("Tax law")
    assert "Bicycle repair</a>" not in related


async def test_trending_counts_uses_on_public_posts_this_week(alice, bob, client, clock) -> None:
    await published(alice, tags=["Cycling", "Repair"])
    await published(bob, tags=["cycling"])
    await create(bob, tags=["Cycling", "secret"])  # a private draft: not a trend
    trending = (await client.get("/api/tags/trending")).json()["items"]
    assert [(t["slug"], t["recent_uses"]) for t in trending] == [("cycling", 2), ("repair", 1)]
    assert trending[0]["usage_count"] == 3  # every post carrying it
    clock.at += 8 * 86_400
    assert (await client.get("/api/tags/trending")).json()["items"] == []


async def test_tag_counts_follow_links_in_the_same_batch(alice, runtime) -> None:
    post = await create(alice, tags=["a", "b"])
    url = f"/api/content/{post['id']}"
    await alice.patch(url, json={"tags": ["b", "c"]}, headers={"if-match": "1"})
    counts = {
        r["slug"]: r["usage_count"]
        for r in await runtime.database.all("SELECT slug, usage_count FROM tags")
    }
    assert counts == {"a": 0, "b": 1, "c": 1}
    await alice.delete(url)
    counts = {
        r["slug"]: r["usage_count"]
        for r in await runtime.database.all("SELECT slug, usage_count FROM tags")
    }
    assert counts == {"a": 0, "b": 0, "c": 0}


async def test_export_and_erasure_cover_posts_tags_and_vectors(
    alice, bob, runtime, settings, clock
) -> None:
    from tests.identity.test_gdpr import end_grace_period

    post = await create(alice, tags=["mine"])
    await create(bob, tags=["mine"])
    assert await runtime.defer.drain(60.0)
    exported = json.loads((await alice.get("/api/me/export")).content)["data"]
    assert [p["id"] for p in exported["content"]] == [post["id"]]
    assert len(exported["content_tags"]) == 1
    [vector] = exported["content_embeddings"]
    assert vector["id"] == post["id"] and vector["vector"]
    erased = await alice.request("DELETE", "/api/me", json={"password": "correct horse battery"})
    assert erased.status_code in (200, 204), erased.text
    await end_grace_period(runtime, settings, clock)  # closing erases after the grace period
    owner = alice.tokens["user"]["id"]
    for table in ("content", "content_tags", "content_embeddings"):
        assert await runtime.database.all(f"SELECT id FROM {table} WHERE owner_id = ?", owner) == []
    assert (await runtime.database.first("SELECT usage_count FROM tags WHERE slug = 'mine'"))[
        "usage_count"
    ] == 1
    hits = await runtime.ports().vectors.query(
        [0.0] * 255 + [1.0], top_k=10, owner_id=owner, include_public=True
    )
    assert [h.id for h in hits if h.id == post["id"]] == []


async def test_a_closed_accounts_posts_leave_the_public_until_it_is_restored(
    alice, bob, client
) -> None:
    post = await published(alice, title="Spoke tension", body="Truing a wheel by its spokes.")
    assert (await client.get(post["url"])).status_code == 200

    async def bobs_search() -> list[str]:
        response = await bob.get("/api/content/search", params={"q": "spokes", "scope": "all"})
        assert response.status_code == 200, response.text
        return [hit["id"] for hit in response.json()["items"]]

    assert await bobs_search() == [post["id"]]
    closed = await alice.request("DELETE", "/api/me", json={"password": "correct horse battery"})
    assert closed.status_code == 204
    assert (await client.get(post["url"])).status_code == 404
    assert await bobs_search() == []
    again = await alice.post(
        "/api/auth/login", json={"username": "alice", "password": "correct horse battery"}
    )
    assert again.status_code == 200, again.text
    assert (await client.get(post["url"])).status_code == 200
    assert await bobs_search() == [post["id"]]


async def test_a_post_is_embedded_once_for_its_views_and_again_after_an_edit(
    alice, bob, client, runtime, monkeypatch
) -> None:
    """Related posts need the post's vector: views reuse it until the text changes."""
    post = await published(alice, title="Bicycle repair", body="Truing wheels.")
    await published(bob, title="Cycle maintenance", body="Chains and cables.")
    assert await runtime.defer.drain(60.0)
    embeddings = runtime.ports().embeddings
    asked: list[str] = []
    real = embeddings.embed

    async def counted(texts):
        asked.extend(texts)
        return await real(texts)

    monkeypatch.setattr(embeddings, "embed", counted)
    for _ in range(3):
        page = await client.get(post["url"])
        assert "Cycle maintenance" in page.text.split('aria-label="Related posts"')[1]
    assert len(asked) == 1
    edited = await alice.patch(
        f"/api/content/{post['id']}",
        json={"body": "Patching tubes."},
        headers={"if-match": str(post["version"])},
    )
    assert edited.status_code == 200, edited.text
    assert await runtime.defer.drain(60.0)  # the edit's own re-embedding, for the index
    asked.clear()
    for _ in range(2):
        await client.get(post["url"])
    assert asked == ["Bicycle repair\n\nPatching tubes."]  # the new text, once
