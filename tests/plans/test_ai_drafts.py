"""AI drafts on the real route against the plans gate: over the month's AI
generations the draft gets 402 before the generator is asked, and nothing is
stored; within it, the draft counts one AI generation and one post."""

from __future__ import annotations

import pytest

pytest.importorskip("core.content", reason="the content feature (issue 13) is not merged yet")

from tests.content.standin import OpenAIStandin
from tests.content.test_generate import app_for, signed_in
from tests.plans.poster import set_used

FREE_AI = 10


@pytest.fixture
async def standin():
    async with OpenAIStandin() as server:
        yield server


async def test_an_ai_draft_over_the_limit_gets_402_before_the_generator(tmp_path, standin) -> None:
    runtime, app = await app_for(tmp_path, standin)
    try:
        async with signed_in(app, "drafter") as client:
            me = (await client.get("/api/me")).json()["id"]
            now = runtime.ports({}).clock.now()
            await set_used(runtime.database, me, "ai_generations_used", FREE_AI - 1, now)
            made = await client.post("/api/content/generate", json={"prompt": "fixing a flat"})
            assert made.status_code == 201, made.text
            asked = len(standin.seen)
            refused = await client.post("/api/content/generate", json={"prompt": "another"})
            assert refused.status_code == 402, refused.text
            assert "10 AI generations a month" in refused.json()["error"]["message"]
            assert len(standin.seen) == asked  # the generator was not asked
            assert len(await runtime.database.all("SELECT id FROM content")) == 1
            sub = (await client.get("/api/subscription")).json()
            used = {u["meter"]: u["used"] for u in sub["usage"]}
            assert (used["ai_generations"], used["posts"]) == (FREE_AI, 1)
    finally:
        await runtime.shutdown()
