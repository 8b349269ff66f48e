"""Search by words (FTS5: words, phrases, prefixes, bm25, snippets), by meaning (the
shipped wordllama model over the SQLite vector index), and both fused."""

from __future__ import annotations

import pytest

from core.content.search import fts_query
from core.errors import Invalid
from tests.content.helpers import create


async def drained(runtime) -> None:
    assert await runtime.defer.drain(60.0)


async def search(client, q: str, **params) -> dict:
    response = await client.get("/api/content/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_typed_queries_become_safe_fts5_expressions() -> None:
    assert fts_query('wheel "road bike" tru*') == '"wheel" "road bike" "tru"*'
    assert fts_query("e-mail OR NOT x") == '"e mail" "OR" "NOT" "x"'
    assert fts_query('") AND body:*') == '"AND" "body"*'
    with pytest.raises(Invalid):
        fts_query('"" * ()')


async def test_words_phrases_prefixes_ranked_with_snippets(alice, bob) -> None:
    truing = await create(
        alice, title="Truing a wheel", body="How to true a bicycle wheel at home with a spoke key."
    )
    brakes = await create(
        alice, title="Brake pads", body="Replacing brake pads on a road bicycle, and when to do it."
    )
    await create(
        alice, title="Sourdough", body="A starter, flour, water, salt and patience make the loaf."
    )
    found = await search(alice, "bicycle")
    assert {h["id"] for h in found["items"]} == {truing["id"], brakes["id"]}
    assert "<mark>bicycle</mark>" in found["items"][0]["snippet"]
    phrase = await search(alice, '"road bicycle"')
    assert [h["id"] for h in phrase["items"]] == [brakes["id"]]
    prefix = await search(alice, "sourd*")
    assert [h["title"] for h in prefix["items"]] == ["Sourdough"]
    ranked = await search(alice, "wheel")  # in the title and twice in the body
    assert ranked["items"][0]["id"] == truing["id"]
    assert ranked["items"][0]["title_highlight"] == "Truing a <mark>wheel</mark>"
    stemmed = await search(alice, "replace")
    assert [h["id"] for h in stemmed["items"]] == [brakes["id"]]


async def test_snippets_escape_the_posts_own_markup(alice) -> None:
    await create(alice, title="Markup", body="A <script>alert(1)</script> in a post about markup.")
    [hit] = (await search(alice, "markup"))["items"]
    assert "<script>" not in hit["snippet"] and "&lt;script&gt;" in hit["snippet"]


async def test_never_another_users_private_post(alice, bob) -> None:
    await create(bob, title="Secret wheel", body="Bob's private notes about a wheel.")
    public = await create(
        bob, title="Public wheel", body="Bob's public post about a wheel.", visibility="public"
    )
    await bob.post(f"/api/content/{public['id']}/publish")
    assert (await search(alice, "wheel"))["items"] == []
    everyone = await search(alice, "wheel", scope="all")
    assert [h["id"] for h in everyone["items"]] == [public["id"]]
    assert everyone["items"][0]["mine"] is False
    assert {h["title"] for h in (await search(bob, "wheel"))["items"]} == {
        "Secret wheel",
        "Public wheel",
    }


async def test_edits_and_deletes_reach_the_index(alice) -> None:
    post = await create(alice, title="Kettle", body="Descaling a kettle with vinegar.")
    await alice.patch(
        f"/api/content/{post['id']}",
        json={"body": "Descaling a teapot with citric acid."},
        headers={"if-match": "1"},
    )
    assert (await search(alice, "vinegar"))["items"] == []
    assert len((await search(alice, "citric"))["items"]) == 1
    await alice.delete(f"/api/content/{post['id']}")
    assert (await search(alice, "citric"))["items"] == []


async def test_a_query_without_words_is_422(alice) -> None:
    response = await alice.get("/api/content/search", params={"q": '"" ()'})
    assert response.status_code == 422


async def test_by_meaning_bicycle_repair_above_tax_law_without_shared_words(
    alice, bob, runtime
) -> None:
    bike = await create(
        alice, title="Bicycle repair", body="Truing wheels, adjusting derailleurs, patching tubes."
    )
    tax = await create(
        alice, title="Tax law", body="Deductions, filing deadlines and audits for small firms."
    )
    other = await create(
        bob, title="Cycle maintenance", body="Chains, cassettes and cables on a road cycle."
    )
    await drained(runtime)
    found = await search(alice, "fixing a bike", mode="semantic")
    ids = [h["id"] for h in found["items"]]
    assert ids == [bike["id"], tax["id"]]  # bob's private post is not there
    assert found["items"][0]["score"] > found["items"][1]["score"]
    # No word of the query is in either post.
    words = {"fixing", "a", "bike"}
    for post in (bike, tax):
        assert not words & set(
            (post["title"] + " " + post["body"]).lower().replace(",", " ").replace(".", " ").split()
        )
    assert other["id"] not in ids


async def test_hybrid_fuses_words_and_meaning(alice, runtime) -> None:
    bike = await create(
        alice, title="Bicycle repair", body="Truing wheels, adjusting derailleurs, patching tubes."
    )
    await create(
        alice, title="Tax law", body="Deductions, filing deadlines and audits for small firms."
    )
    spokes = await create(
        alice, title="Spoke keys", body="Which spoke key fits which nipple, for wheels."
    )
    await drained(runtime)
    fused = await search(alice, "wheels", mode="hybrid")
    ids = [h["id"] for h in fused["items"]]
    assert set(ids[:2]) == {bike["id"], spokes["id"]}
    assert len(ids) == 3  # meaning alone ranks the third too


async def test_semantic_search_answers_503_without_embeddings(settings, tmp_path) -> None:
    from core.app import create_app
    from core.clock import FrozenClock
    from core.local import LocalRuntime, load_settings
    from tests.conftest import bearer, make_client, register

    plain = load_settings(
        {},
        data_dir=tmp_path / "d2",
        dev=True,
        run_cron=False,
        password_iterations=1000,
        embeddings="none",
    )
    runtime = LocalRuntime(plain, clock=FrozenClock(1_790_000_010.0), run_scheduler=False)
    await runtime.startup()
    try:
        async with make_client(create_app(plain, runtime)) as client:
            client.headers.update(bearer(await register(client, "dana")))
            response = await client.get(
                "/api/content/search", params={"q": "x", "mode": "semantic"}
            )
            assert response.status_code == 503
    finally:
        await runtime.shutdown()
