"""Content under Pyodide over Miniflare's real D1: posts with If-Match, the status
machine, moderation holding a post, FTS5 search (D1 has it) with snippets, trending
tags, the public post page and scheduled publishing through the worker's cron entry.
Miniflare gives no Workers AI or Vectorize binding: without them AI drafts and
search by meaning answer 503 (their adapters are tested in tests/edge/test_ai.py)."""

from __future__ import annotations

import js  # type: ignore[import-not-found]
import pytest
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from tests.pyodide.edge import Worker, _tier, rows, worker

PASSWORD = "correct horse battery"
IP = "203.0.113.40"


@pytest.fixture
async def edge() -> Worker:
    return await worker()


async def signed_in(edge: Worker, name: str) -> dict[str, str]:
    made = await edge.fetch(
        "POST",
        "/api/auth/register",
        json_body={"email": f"{name}@example.com", "username": name, "password": PASSWORD},
        ip=IP,
    )
    assert made.status == 201, made.text
    return {"authorization": f"Bearer {made.json()['access_token']}"}


async def post(edge: Worker, auth: dict[str, str], **fields) -> dict:
    body = {"title": "Truing a wheel", "body": "How to true a bicycle wheel at home.", **fields}
    made = await edge.fetch("POST", "/api/content", json_body=body, headers=auth, ip=IP)
    assert made.status == 201, made.text
    return made.json()


async def test_posts_locking_publishing_search_and_the_page(edge) -> None:
    auth = await signed_in(edge, "writer")
    made = await post(edge, auth, visibility="public", tags=["Cycling"])
    url = f"/api/content/{made['id']}"
    no_match = await edge.fetch("PATCH", url, json_body={"title": "New"}, headers=auth, ip=IP)
    assert no_match.status == 428
    edited = await edge.fetch(
        "PATCH", url, json_body={"title": "Truing wheels"}, headers={**auth, "if-match": "1"}, ip=IP
    )
    assert edited.status == 200 and edited.json()["version"] == 2, edited.text
    stale = await edge.fetch(
        "PATCH", url, json_body={"title": "x"}, headers={**auth, "if-match": "1"}, ip=IP
    )
    assert stale.status == 409 and stale.json()["error"]["details"]["current_version"] == 2

    found = await edge.fetch("GET", "/api/content/search?q=bicycl*", headers=auth, ip=IP)
    assert found.status == 200, found.text
    [hit] = found.json()["items"]
    assert hit["id"] == made["id"] and "<mark>bicycle</mark>" in hit["snippet"]
    phrase = await edge.fetch("GET", '/api/content/search?q="true+a+bicycle"', headers=auth, ip=IP)
    assert [h["id"] for h in phrase.json()["items"]] == [made["id"]]

    published = await edge.fetch("POST", f"{url}/publish", headers=auth, ip=IP)
    assert published.json()["status"] == "published", published.text
    again = await edge.fetch("POST", f"{url}/publish", headers=auth, ip=IP)
    assert again.status == 409
    page = await edge.fetch("GET", f"/c/{made['slug']}", ip="203.0.113.41")
    assert page.status == 200 and "<h1>Truing wheels</h1>" in page.text
    assert "'nonce-" in page.headers["content-security-policy"]
    assert '<link rel="canonical"' in page.text
    trending = await edge.fetch("GET", "/api/tags/trending", ip=IP)
    assert [t["slug"] for t in trending.json()["items"]] == ["cycling"]
    await edge.settle()
    assert (await rows("SELECT views FROM content WHERE id = ?", made["id"])) == [{"views": 1}]


async def test_moderation_holds_and_ai_answers_503_without_the_binding(edge) -> None:
    auth = await signed_in(edge, "spammer")
    made = await post(edge, auth, title="Deal", body="Buy followers now, cheapest on the web.")
    held = await edge.fetch("POST", f"/api/content/{made['id']}/publish", headers=auth, ip=IP)
    assert held.json()["status"] == "pending_review", held.text
    draft = await edge.fetch(
        "POST", "/api/content/generate", json_body={"prompt": "x y z"}, headers=auth, ip=IP
    )
    assert draft.status == 503
    semantic = await edge.fetch(
        "GET", "/api/content/search?q=bike&mode=semantic", headers=auth, ip=IP
    )
    assert semantic.status == 503
    assert len(await rows("SELECT id FROM content")) == 1


async def test_the_cron_publishes_a_due_post(edge) -> None:
    auth = await signed_in(edge, "planner")
    made = await post(edge, auth, visibility="public")
    scheduled = await edge.fetch(
        "POST",
        f"/api/content/{made['id']}/schedule",
        json_body={"scheduled_at": "2099-01-01T00:00:00Z"},
        headers=auth,
        ip=IP,
    )
    assert scheduled.json()["status"] == "scheduled", scheduled.text
    await rows("UPDATE content SET scheduled_at = 1 WHERE id = ?", made["id"])
    controller = to_js(
        {"cron": "*/5 * * * *", "scheduledTime": js.Date.now()},
        dict_converter=js.Object.fromEntries,
    )
    await edge.default.scheduled(controller, _tier.env, edge.ctx)
    await edge.settle()
    [row] = await rows("SELECT status, version FROM content WHERE id = ?", made["id"])
    assert row == {"status": "published", "version": 3}
