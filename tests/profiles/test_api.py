"""Profiles and links over the JSON API: the flows, the rules, and bad input
that changes nothing."""

from __future__ import annotations

import pytest

from tests.profiles.conftest import add_link, make_profile


async def _export(client) -> dict:
    data = (await client.get("/api/me/export")).json()["data"]
    return {"profiles": data["profiles"], "links": data["links"]}


async def test_create_read_update_delete_a_profile(alice) -> None:
    created = await make_profile(alice, slug="Alice-Page")
    assert created["slug"] == "alice-page"  # slugs are lower-cased
    assert created["url"] == "/p/alice-page"
    assert created["is_public"] is True and created["links"] == []
    assert created["bio"] == "Down the rabbit hole."

    read = await alice.get(f"/api/profiles/{created['id']}")
    assert read.status_code == 200 and read.json() == created

    patched = await alice.patch(
        f"/api/profiles/{created['id']}",
        json={"display_name": "  Alice  ", "bio": None, "is_public": False},
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["display_name"] == "Alice" and body["bio"] is None
    assert body["is_public"] is False and body["slug"] == "alice-page"

    deleted = await alice.delete(f"/api/profiles/{created['id']}")
    assert deleted.status_code == 204
    assert (await alice.get(f"/api/profiles/{created['id']}")).status_code == 404
    assert (await alice.delete(f"/api/profiles/{created['id']}")).status_code == 404


async def test_list_is_mine_and_paginated(alice, bob, clock) -> None:
    made = []
    for i in range(5):
        clock.advance(1)  # ids are time-ordered: one a second keeps the order known
        made.append(await make_profile(alice, slug=f"alice-{i}"))
    await make_profile(bob, slug="bobs-page")

    first = (await alice.get("/api/profiles", params={"limit": 2})).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    seen = [p["id"] for p in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = (await alice.get("/api/profiles", params={"limit": 2, "cursor": cursor})).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [p["id"] for p in reversed(made)]  # newest first
    assert (await alice.get("/api/profiles", params={"limit": 201})).status_code == 422
    assert (await alice.get("/api/profiles", params={"cursor": "%%%"})).status_code == 400


async def test_a_duplicate_slug_is_a_conflict(alice, bob) -> None:
    await make_profile(alice, slug="wonderland")
    taken = await bob.post("/api/profiles", json={"slug": "WONDERLAND", "display_name": "Bob"})
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "slug_taken"

    mine = await make_profile(bob, slug="bobs-page")
    renamed = await bob.patch(f"/api/profiles/{mine['id']}", json={"slug": "wonderland"})
    assert renamed.status_code == 409
    same = await bob.patch(f"/api/profiles/{mine['id']}", json={"slug": "bobs-page"})
    assert same.status_code == 200  # keeping one's own slug is no conflict


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "admin", "display_name": "A"}, "slug"),  # reserved
        ({"slug": "editor", "display_name": "A"}, "slug"),  # reserved: a path of the product
        ({"slug": "ab", "display_name": "A"}, "slug"),
        ({"slug": "-alice", "display_name": "A"}, "slug"),
        ({"slug": "ali ce", "display_name": "A"}, "slug"),
        ({"slug": "alice", "display_name": "   "}, "display_name"),
        ({"slug": "alice", "display_name": "x" * 81}, "display_name"),
        ({"slug": "alice", "display_name": "A", "bio": "x" * 501}, "bio"),
        ({"slug": "alice", "display_name": "A\x07"}, "display_name"),
        ({"slug": "alice", "display_name": "A", "avatar_asset_id": "01NOSUCHASSET"}, None),
        ({"slug": "alice", "display_name": "A", "extra": 1}, None),
        ({"slug": "alice"}, None),
    ],
)
async def test_bad_profiles_are_refused_and_change_nothing(alice, body, field) -> None:
    before = await _export(alice)
    response = await alice.post("/api/profiles", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid"
    if field is not None:
        assert error["details"][0]["field"] == field
    assert await _export(alice) == before


async def test_links_are_added_in_order_edited_and_removed(alice, profile) -> None:
    pid = profile["id"]
    a = await add_link(alice, pid, "Blog", "https://example.com/blog")
    b = await add_link(alice, pid, "Shop", "HTTPS://Shop.Example.COM/items?x=1#top")
    c = await add_link(alice, pid, "First", "http://example.org", position=0)
    assert b["url"] == "https://shop.example.com/items?x=1#top"  # scheme and host normalised
    assert b["github"] is None

    listed = (await alice.get(f"/api/profiles/{pid}/links")).json()
    assert [link["id"] for link in listed["items"]] == [c["id"], a["id"], b["id"]]
    assert [link["position"] for link in listed["items"]] == [0, 1, 2]
    assert listed["next_cursor"] is None

    hidden = await alice.patch(f"/api/links/{a['id']}", json={"is_active": False, "title": "Old"})
    assert hidden.status_code == 200
    assert hidden.json()["is_active"] is False and hidden.json()["title"] == "Old"

    moved = await alice.patch(f"/api/links/{c['id']}", json={"position": 99})
    assert moved.json()["position"] == 2
    order = (await alice.get(f"/api/profiles/{pid}")).json()["links"]
    assert [link["id"] for link in order] == [a["id"], b["id"], c["id"]]

    assert (await alice.delete(f"/api/links/{b['id']}")).status_code == 204
    assert (await alice.delete(f"/api/links/{b['id']}")).status_code == 404
    order = (await alice.get(f"/api/profiles/{pid}/links")).json()["items"]
    assert [(link["id"], link["position"]) for link in order] == [(a["id"], 0), (c["id"], 1)]


async def test_links_page_through_in_order(alice, profile) -> None:
    pid = profile["id"]
    made = [await add_link(alice, pid, f"L{i}", f"https://example.com/{i}") for i in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await alice.get(f"/api/profiles/{pid}/links", params=params)).json()
        seen += [link["id"] for link in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [link["id"] for link in made]
    bad = await alice.get(f"/api/profiles/{pid}/links", params={"cursor": "bm9wZQ"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_cursor"


async def test_reorder_takes_each_link_exactly_once(alice, profile) -> None:
    pid = profile["id"]
    ids = [
        (await add_link(alice, pid, f"L{i}", f"https://example.com/{i}"))["id"] for i in range(3)
    ]
    wanted = [ids[2], ids[0], ids[1]]
    answer = await alice.put(f"/api/profiles/{pid}/links/order", json={"link_ids": wanted})
    assert answer.status_code == 200, answer.text
    assert [link["id"] for link in answer.json()["items"]] == wanted
    assert [link["position"] for link in answer.json()["items"]] == [0, 1, 2]

    before = await _export(alice)
    for bad in ([ids[0], ids[1]], [*wanted, ids[0]], [ids[0], ids[1], "01NOTALINKOFHERS"]):
        refused = await alice.put(f"/api/profiles/{pid}/links/order", json={"link_ids": bad})
        assert refused.status_code == 422
    assert await _export(alice) == before


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "ftp://example.com/file",
        "//example.com/no-scheme",
        "/relative/path",
        "https://user:pass@example.com/",
        "https://exa mple.com/",
        "https://example.com/\nx",
        "https:\\\\example.com",
        "https://",
        "https://-bad-.example/",
        "https://[::1]/",
        "https://example.com:99999/",
        "https://example.com/" + "x" * 2048,
        "",
    ],
)
async def test_only_http_links_are_taken(alice, profile, url) -> None:
    link = await add_link(alice, profile["id"], "Fine", "https://example.com")
    before = await _export(alice)
    added = await alice.post(
        f"/api/profiles/{profile['id']}/links", json={"title": "Bad", "url": url}
    )
    assert added.status_code == 422, added.text
    assert added.json()["error"]["details"][0]["field"] == "url"
    changed = await alice.patch(f"/api/links/{link['id']}", json={"url": url})
    assert changed.status_code == 422
    assert await _export(alice) == before


async def test_bad_link_fields_change_nothing(alice, profile) -> None:
    link = await add_link(alice, profile["id"], "Fine", "https://example.com")
    before = await _export(alice)
    for body in (
        {"title": "", "url": "https://example.com"},
        {"title": "x" * 101, "url": "https://example.com"},
        {"title": "ok", "url": "https://example.com", "position": -1},
        {"title": "ok"},
    ):
        response = await alice.post(f"/api/profiles/{profile['id']}/links", json=body)
        assert response.status_code == 422, body
    for body in ({"title": " "}, {"is_active": None}, {"position": "top"}, {"nope": 1}):
        response = await alice.patch(f"/api/links/{link['id']}", json=body)
        assert response.status_code == 422, body
    malformed = await alice.post(
        f"/api/profiles/{profile['id']}/links",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert malformed.status_code == 400
    assert await _export(alice) == before


async def test_a_github_link_gets_a_sync_job_and_loses_it(alice, profile, runtime) -> None:
    db = runtime.database
    link = await add_link(alice, profile["id"], "Code", "https://github.com/alice/wonderland")
    assert link["github"]["stars"] is None  # not synced yet
    jobs = await db.all("SELECT link_id, repo_owner, repo_name FROM github_sync_jobs")
    assert jobs == [{"link_id": link["id"], "repo_owner": "alice", "repo_name": "wonderland"}]
    status = await alice.get(f"/api/links/{link['id']}/sync")
    assert status.status_code == 200

    moved = await alice.patch(f"/api/links/{link['id']}", json={"url": "https://example.com"})
    assert moved.json()["github"] is None
    assert await db.all("SELECT id FROM github_sync_jobs") == []

    again = await alice.patch(
        f"/api/links/{link['id']}", json={"url": "https://github.com/alice/looking-glass"}
    )
    assert again.json()["github"]["repo"] == "alice/looking-glass"
    assert (await alice.delete(f"/api/links/{link['id']}")).status_code == 204
    assert await db.all("SELECT id FROM github_sync_jobs") == []


async def test_deleting_a_profile_removes_its_links(alice, profile, runtime) -> None:
    await add_link(alice, profile["id"], "Code", "https://github.com/alice/wonderland")
    await add_link(alice, profile["id"], "Blog", "https://example.com")
    assert (await alice.delete(f"/api/profiles/{profile['id']}")).status_code == 204
    db = runtime.database
    assert await db.all("SELECT id FROM links") == []
    assert await db.all("SELECT id FROM github_sync_jobs") == []


async def test_someone_elses_profile_and_links_are_not_found(alice, bob, profile) -> None:
    link = await add_link(alice, profile["id"], "Blog", "https://example.com")
    before = await _export(alice)
    pid, lid = profile["id"], link["id"]
    for method, path, body in (
        ("GET", f"/api/profiles/{pid}", None),
        ("PATCH", f"/api/profiles/{pid}", {"slug": "stolen"}),
        ("DELETE", f"/api/profiles/{pid}", None),
        ("GET", f"/api/profiles/{pid}/links", None),
        ("POST", f"/api/profiles/{pid}/links", {"title": "x", "url": "javascript:x"}),
        ("PUT", f"/api/profiles/{pid}/links/order", {"link_ids": [lid]}),
        ("PATCH", f"/api/links/{lid}", {"url": "https://evil.example"}),
        ("DELETE", f"/api/links/{lid}", None),
    ):
        response = await bob.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    assert await _export(alice) == before


async def test_the_api_needs_a_signed_in_user(client) -> None:
    assert (await client.get("/api/profiles")).status_code == 401
    created = await client.post("/api/profiles", json={"slug": "anon", "display_name": "A"})
    assert created.status_code == 401


async def test_a_link_to_the_metadata_address_is_refused(alice) -> None:
    pid = (await alice.post("/api/profiles", json={"slug": "ssrf", "display_name": "S"})).json()[
        "id"
    ]
    for url in ("http://169.254.169.254/", "http://0x7f000001/", "http://999.999.999.999/"):
        response = await alice.post(f"/api/profiles/{pid}/links", json={"title": "x", "url": url})
        assert response.status_code == 422, url
    ok = await alice.post(
        f"/api/profiles/{pid}/links", json={"title": "x", "url": "https://example.com/"}
    )
    assert ok.status_code == 201
    link = ok.json()["id"]
    patched = await alice.patch(f"/api/links/{link}", json={"url": "http://127.0.0.1:8787/"})
    assert patched.status_code == 422
