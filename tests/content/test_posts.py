"""Posts over HTTP: create, read, edit under If-Match, delete; isolation; the plan gate."""

from __future__ import annotations

import asyncio

from fastapi import Request

from core.app import create_app
from core.errors import PaymentRequired
from core.feature import Feature
from core.features import FEATURES
from core.ports import stmt
from core.usage import Admission, Meter
from tests.conftest import bearer, make_client, register

POST = {"title": "First post", "body": "Some words about bicycles and wheels.", "type": "blog_post"}


async def create(client, **fields) -> dict:
    response = await client.post("/api/content", json={**POST, **fields})
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_read_list_and_the_seed_fields(alice) -> None:
    post = await create(alice, tags=["Cycling", "how-to", "cycling"], metadata={"a": 1})
    assert post["status"] == "draft" and post["version"] == 1 and post["visibility"] == "private"
    assert post["tags"] == ["Cycling", "how-to"]
    assert post["slug"].startswith("first-post-") and post["url"] is None
    assert post["ai_generated"] is False and post["metadata"] == {"a": 1}
    assert (await alice.get(f"/api/content/{post['id']}")).json() == post
    listed = (await alice.get("/api/content")).json()
    assert [p["id"] for p in listed["items"]] == [post["id"]]


async def test_bad_fields_answer_422(alice) -> None:
    for fields in (
        {"title": ""},
        {"title": "x" * 201},
        {"body": "short"},
        {"body": "x" * 50_001},
        {"type": "poem"},
        {"visibility": "secret"},
        {"slug": "Not A Slug"},
        {"tags": ["!!!"]},
        {"title": "bad\x00title"},
    ):
        response = await alice.post("/api/content", json={**POST, **fields})
        assert response.status_code == 422, (fields, response.text)
    assert (await alice.get("/api/content")).json()["items"] == []


async def test_patch_needs_if_match_and_a_current_version(alice) -> None:
    post = await create(alice)
    url = f"/api/content/{post['id']}"
    missing = await alice.patch(url, json={"title": "New"})
    assert missing.status_code == 428
    assert missing.json()["error"]["code"] == "precondition_required"
    ok = await alice.patch(url, json={"title": "New"}, headers={"if-match": "1"})
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.json()["title"] == "New"
    stale = await alice.patch(url, json={"title": "Newer"}, headers={"if-match": '"1"'})
    assert stale.status_code == 409
    assert stale.json()["error"]["details"]["current_version"] == 2
    assert (await alice.get(url)).json()["title"] == "New"
    bad = await alice.patch(url, json={"title": "x"}, headers={"if-match": "v-two"})
    assert bad.status_code == 400


async def test_two_concurrent_updates_with_one_version_one_wins(alice) -> None:
    post = await create(alice)
    url = f"/api/content/{post['id']}"
    answers = await asyncio.gather(
        *(
            alice.patch(
                url, json={"title": f"Edit {n}", "tags": [f"t{n}"]}, headers={"if-match": "1"}
            )
            for n in range(2)
        )
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409]
    winner = next(a.json() for a in answers if a.status_code == 200)
    now = (await alice.get(url)).json()
    assert now["version"] == 2 and now["title"] == winner["title"] and now["tags"] == winner["tags"]
    trending_counts = {
        t["slug"]: t for t in (await alice.get("/api/tags/trending")).json()["items"]
    }
    assert trending_counts == {}  # a private draft's tags are nobody's trend


async def test_someone_elses_post_is_not_found(alice, bob) -> None:
    post = await create(alice)
    url = f"/api/content/{post['id']}"
    assert (await bob.get(url)).status_code == 404
    assert (await bob.patch(url, json={"title": "x"}, headers={"if-match": "1"})).status_code == 404
    assert (await bob.post(f"{url}/publish")).status_code == 404
    assert (await bob.delete(url)).status_code == 404
    assert (await alice.get(url)).status_code == 200


async def test_delete_is_soft_and_frees_the_tags(alice) -> None:
    post = await create(alice, tags=["one"])
    url = f"/api/content/{post['id']}"
    assert (await alice.delete(url)).status_code == 204
    assert (await alice.get(url)).status_code == 404
    assert (await alice.delete(url)).status_code == 404


class OnePostGate:
    def __init__(self) -> None:
        self.calls: list[Meter] = []

    async def admit(
        self, request: Request, user_id: str, meter: Meter, amount: int = 1
    ) -> Admission:
        self.calls.append(meter)
        if meter == Meter.POSTS and self.calls.count(Meter.POSTS) > 1:
            raise PaymentRequired("Free allows 1 post a month.")
        # Counted in the post's own batch: a table the test can read.
        return Admission(statements=(stmt("INSERT INTO _counted (meter) VALUES (?)", meter.value),))


async def test_the_plan_gate_counts_in_the_posts_batch_and_refuses_with_402(
    settings, runtime
) -> None:
    await runtime.ports().db.run("CREATE TABLE _counted (meter TEXT NOT NULL)")
    gate = OnePostGate()
    app = create_app(settings, runtime, (*FEATURES, Feature(name="_plans", provides=(gate,))))
    async with make_client(app) as client:
        client.headers.update(bearer(await register(client, "carol")))
        await create(client)
        refused = await client.post("/api/content", json=POST)
        assert refused.status_code == 402 and refused.json()["error"]["code"] == "plan_limit"
    rows = await runtime.ports().db.all("SELECT meter FROM _counted")
    assert rows == [{"meter": "posts"}]
    assert len(await runtime.ports().db.all("SELECT id FROM content")) == 1
