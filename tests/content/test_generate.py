"""AI drafts over a stand-in OpenAI-compatible server on real HTTP: a draft with the AI
fields set; a timeout or a failing generator answers 503 and stores nothing; a flagged
draft goes to pending_review; the plan's AI limit is asked before the generator."""

from __future__ import annotations

import pytest
from fastapi import Request

from core.app import create_app
from core.clock import FrozenClock
from core.errors import PaymentRequired
from core.feature import Feature
from core.features import FEATURES
from core.local import LocalRuntime, load_settings
from core.usage import Admission, Meter
from tests.conftest import bearer, make_client, register
from tests.content.standin import OpenAIStandin


@pytest.fixture
async def standin():
    async with OpenAIStandin() as server:
        yield server


async def app_for(tmp_path, standin, *features, **overrides):
    settings = load_settings(
        {},
        data_dir=tmp_path / "data",
        dev=True,
        run_cron=False,
        password_iterations=1000,
        ai_url=standin.url,
        ai_timeout=0.5,
        embeddings="none",
        **overrides,
    )
    runtime = LocalRuntime(settings, clock=FrozenClock(1_790_000_010.0), run_scheduler=False)
    await runtime.startup()
    return runtime, create_app(settings, runtime, (*FEATURES, *features))


class signed_in:
    def __init__(self, app, name: str = "gwen") -> None:
        self.client = make_client(app)
        self.name = name

    async def __aenter__(self):
        await self.client.__aenter__()
        self.client.headers.update(bearer(await register(self.client, self.name)))
        return self.client

    async def __aexit__(self, *exc) -> None:
        await self.client.__aexit__(*exc)


async def stored(runtime) -> int:
    return len(await runtime.database.all("SELECT id FROM content"))


async def test_a_draft_with_its_ai_fields(tmp_path, standin) -> None:
    runtime, app = await app_for(tmp_path, standin)
    try:
        async with signed_in(app) as client:
            response = await client.post(
                "/api/content/generate",
                json={"prompt": "how to fix a flat tyre", "type": "social_post"},
            )
            assert response.status_code == 201, response.text
            post = response.json()
            assert post["status"] == "draft" and post["ai_generated"] is True
            assert (
                post["ai_model"] == "standin-llama"
                and post["ai_prompt"] == "how to fix a flat tyre"
            )
            assert post["title"] == "Fixing a flat" and "patch" in post["body"]
            assert post["moderation"]["flagged"] is False
            [(path, payload)] = standin.seen
            assert (
                path == "/v1/chat/completions"
                and "fix a flat tyre" in payload["messages"][1]["content"]
            )
    finally:
        await runtime.shutdown()


@pytest.mark.parametrize("behaviour", ["hang", "error"])
async def test_a_generator_that_times_out_or_fails_is_503_and_nothing_is_stored(
    tmp_path, standin, behaviour
) -> None:
    runtime, app = await app_for(tmp_path, standin)
    standin.behaviour = behaviour
    try:
        async with signed_in(app) as client:
            response = await client.post(
                "/api/content/generate", json={"prompt": "anything at all"}
            )
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "generator_unavailable"
            assert await stored(runtime) == 0
    finally:
        await runtime.shutdown()


async def test_no_generator_configured_is_503(alice, runtime) -> None:
    response = await alice.post("/api/content/generate", json={"prompt": "anything at all"})
    assert response.status_code == 503
    assert await stored(runtime) == 0


async def test_a_flagged_draft_is_held_for_review(tmp_path, standin) -> None:
    runtime, app = await app_for(tmp_path, standin)
    standin.reply = "Grow fast\n\nBuy followers today and watch the numbers climb."
    try:
        async with signed_in(app) as client:
            post = (
                await client.post("/api/content/generate", json={"prompt": "growth hacks"})
            ).json()
            assert post["status"] == "pending_review"
            assert "blocked_term:buy followers" in post["moderation"]["reasons"]
    finally:
        await runtime.shutdown()


async def test_the_moderation_endpoint_when_configured(tmp_path, standin) -> None:
    runtime, app = await app_for(tmp_path, standin, moderation_url=None)
    await runtime.shutdown()
    runtime, app = await app_for(tmp_path / "2", standin, moderation_url=standin.url)
    standin.reply = "A title\n\nThis draft says a forbidden thing the model catches."
    try:
        async with signed_in(app) as client:
            post = (await client.post("/api/content/generate", json={"prompt": "anything"})).json()
            assert post["status"] == "pending_review"
            assert post["moderation"]["reasons"] == ["model:harassment"]
            assert [p for p, _ in standin.seen] == ["/v1/chat/completions", "/v1/moderations"]
    finally:
        await runtime.shutdown()


class NoAiGate:
    def __init__(self) -> None:
        self.asked: list[Meter] = []

    async def admit(
        self, request: Request, user_id: str, meter: Meter, amount: int = 1
    ) -> Admission:
        self.asked.append(meter)
        if meter == Meter.AI_GENERATIONS:
            raise PaymentRequired("Free allows no AI drafts; Pro allows 100 a month.")
        return Admission()


async def test_the_ai_limit_is_asked_before_the_generator(tmp_path, standin) -> None:
    gate = NoAiGate()
    runtime, app = await app_for(tmp_path, standin, Feature(name="_plans", provides=(gate,)))
    try:
        async with signed_in(app) as client:
            response = await client.post("/api/content/generate", json={"prompt": "anything"})
            assert response.status_code == 402
            assert standin.seen == [] and gate.asked == [Meter.AI_GENERATIONS]
            assert await stored(runtime) == 0
    finally:
        await runtime.shutdown()
