"""Payment webhooks from a stand-in provider that signs like Stripe: verified,
idempotent by event id, never moving a subscription backwards."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from core.app import create_app
from core.features import run_cron
from core.jobs.schedule import DAILY
from tests.conftest import bearer, make_client, register
from tests.plans.provider import StandinProvider
from tests.served import served, sign_up

SECRET = "whsec_test_current"
OLD_SECRET = "whsec_test_previous"
HOOK = "/api/billing/webhook"


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"billing_webhook_secret": SecretStr(SECRET)})


@pytest.fixture
def provider(clock) -> StandinProvider:
    return StandinProvider([SECRET], clock.now())


@pytest.fixture
async def user(app):
    async with make_client(app, ip="198.51.100.5") as c:
        tokens = await register(c, "payer")
        c.headers.update(bearer(tokens))
        c.user_id = tokens["user"]["id"]
        yield c


async def deliver(client, provider, event, **kwargs) -> httpx.Response:
    body, headers = provider.signed(event, **kwargs)
    return await client.post(HOOK, content=body, headers=headers)


async def row(runtime, user_id: str) -> dict | None:
    return await runtime.database.first(
        "SELECT tier, status, grace_until, provider_event_at, posts_used FROM subscriptions"
        " WHERE owner_id = ?",
        user_id,
    )


async def events(runtime) -> list[dict]:
    return await runtime.database.all("SELECT id, outcome FROM billing_events ORDER BY id")


async def test_subscription_created_moves_the_user_to_its_plan(user, provider, runtime) -> None:
    answer = await deliver(user, provider, provider.subscription("created", user_id=user.user_id))
    assert answer.status_code == 200
    assert answer.json()["outcome"] == "applied"
    sub = (await user.get("/api/subscription")).json()
    assert (sub["tier"], sub["plan_name"], sub["status"]) == ("pro", "Pro", "active")
    assert next(u for u in sub["usage"] if u["meter"] == "posts")["limit"] == 500


async def test_a_wrong_signature_or_an_old_timestamp_answers_400_and_changes_nothing(
    user, provider, runtime
) -> None:
    event = provider.subscription("created", user_id=user.user_id)
    forged = await deliver(user, provider, event, secrets=["whsec_someone_else"])
    assert forged.status_code == 400
    assert forged.json()["error"]["code"] == "invalid_signature"
    old = await deliver(user, provider, event, at=provider.now - 301)
    assert old.status_code == 400
    assert old.json()["error"]["code"] == "signature_too_old"
    body, headers = provider.signed(event)
    tampered = await user.post(HOOK, content=body.replace(b'"pro"', b'"business"'), headers=headers)
    assert tampered.status_code == 400
    for header in ({}, {"stripe-signature": "t=abc,v1="}, {"stripe-signature": "v1=00"}):
        missing = await user.post(
            HOOK, content=body, headers={"content-type": "application/json", **header}
        )
        assert missing.status_code == 400
    assert await row(runtime, user.user_id) is None
    assert await events(runtime) == []


async def test_a_replayed_signature_later_is_refused(user, provider, runtime, clock) -> None:
    event = provider.subscription("created", user_id=user.user_id)
    body, headers = provider.signed(event)
    assert (await user.post(HOOK, content=body, headers=headers)).status_code == 200
    await runtime.database.run("DELETE FROM billing_events")  # even if the id were forgotten
    await runtime.database.run(
        "UPDATE subscriptions SET tier = 'free' WHERE owner_id = ?", user.user_id
    )
    clock.advance(301)
    replay = await user.post(HOOK, content=body, headers=headers)
    assert replay.status_code == 400
    assert (await row(runtime, user.user_id))["tier"] == "free"


async def test_a_replayed_event_id_changes_nothing(user, provider, runtime) -> None:
    to_business = provider.subscription(
        "updated", user_id=user.user_id, tier="business", created=provider.now - 20
    )
    assert (await deliver(user, provider, to_business)).json()["outcome"] == "applied"
    to_pro = provider.subscription(
        "updated", user_id=user.user_id, tier="pro", created=provider.now - 10
    )
    assert (await deliver(user, provider, to_pro)).json()["outcome"] == "applied"
    again = await deliver(user, provider, to_business)  # freshly signed, same event id
    assert again.status_code == 200
    assert again.json() == {
        "received": True,
        "event_id": to_business["id"],
        "outcome": "applied",
        "duplicate": True,
    }
    assert (await row(runtime, user.user_id))["tier"] == "pro"
    assert len(await events(runtime)) == 2


async def test_an_out_of_order_update_older_than_the_state_changes_nothing(
    user, provider, runtime
) -> None:
    newer = provider.subscription(
        "updated", user_id=user.user_id, tier="business", created=provider.now - 5
    )
    older = provider.subscription(
        "updated", user_id=user.user_id, tier="pro", created=provider.now - 60
    )
    assert (await deliver(user, provider, newer)).json()["outcome"] == "applied"
    stale = await deliver(user, provider, older)
    assert stale.status_code == 200
    assert stale.json()["outcome"] == "stale"
    state = await row(runtime, user.user_id)
    assert state["tier"] == "business"
    assert state["provider_event_at"] == provider.now - 5


async def test_several_v1_signatures_are_accepted_during_a_secret_rotation(
    settings, runtime, provider, clock
) -> None:
    # The provider signs with both while the endpoint is moved to the new secret...
    app = create_app(settings, runtime)
    async with make_client(app) as client:
        tokens = await register(client, "rotator")
        event = provider.subscription("created", user_id=tokens["user"]["id"])
        body, headers = provider.signed(event, secrets=[OLD_SECRET, SECRET])
        assert (await client.post(HOOK, content=body, headers=headers)).status_code == 200
    # ...and the endpoint may hold both while the provider still signs with the old one.
    rotating = SecretStr(f"{SECRET},{OLD_SECRET}")
    both = settings.model_copy(update={"billing_webhook_secret": rotating})
    async with make_client(create_app(both, runtime)) as client:
        event = provider.subscription("updated", user_id=tokens["user"]["id"], tier="business")
        body, headers = provider.signed(event, secrets=[OLD_SECRET])
        assert (await client.post(HOOK, content=body, headers=headers)).status_code == 200
    assert (await row(runtime, tokens["user"]["id"]))["tier"] == "business"


async def test_deleted_moves_to_free(user, provider, runtime) -> None:
    await deliver(
        user,
        provider,
        provider.subscription("created", user_id=user.user_id, created=provider.now - 9),
    )
    await deliver(
        user, provider, provider.subscription("deleted", user_id=user.user_id, status="canceled")
    )
    state = await row(runtime, user.user_id)
    assert (state["tier"], state["status"]) == ("free", "canceled")


async def test_a_failed_payment_keeps_the_plan_for_the_grace_period_then_free(
    user, provider, runtime, clock, settings
) -> None:
    await deliver(
        user,
        provider,
        provider.subscription("created", user_id=user.user_id, created=provider.now - 9),
    )
    failed = await deliver(user, provider, provider.invoice("payment_failed"))
    assert failed.json()["outcome"] == "applied"
    state = await row(runtime, user.user_id)
    assert (state["tier"], state["status"]) == ("pro", "past_due")
    assert state["grace_until"] == provider.now + 7 * 86_400
    clock.advance(6 * 86_400)
    await run_cron(DAILY, runtime.ports({}), settings)
    assert (await row(runtime, user.user_id))["tier"] == "pro"
    clock.advance(86_400)
    await run_cron(DAILY, runtime.ports({}), settings)
    state = await row(runtime, user.user_id)
    assert (state["tier"], state["status"], state["grace_until"]) == ("free", "canceled", None)


async def test_invoice_paid_ends_the_grace_and_starts_the_new_period_at_zero(
    user, provider, runtime
) -> None:
    start = provider.now
    await deliver(
        user,
        provider,
        provider.subscription(
            "created",
            user_id=user.user_id,
            created=start - 9,
            period=(start - 86_400, start + 86_400),
        ),
    )
    await runtime.database.run(
        "UPDATE subscriptions SET posts_used = 7 WHERE owner_id = ?", user.user_id
    )
    await deliver(user, provider, provider.invoice("payment_failed", created=start - 5))
    paid = provider.invoice("paid", created=start - 1, period=(start + 86_400, start + 31 * 86_400))
    assert (await deliver(user, provider, paid)).json()["outcome"] == "applied"
    state = await row(runtime, user.user_id)
    assert (state["status"], state["grace_until"], state["posts_used"]) == ("active", None, 0)


async def test_unknown_users_and_types_are_received_and_change_nothing(
    user, provider, runtime
) -> None:
    stranger = provider.subscription(
        "created", user_id="01NOSUCHUSER000000000000000", sub_id="sub_x", customer="cus_x"
    )
    assert (await deliver(user, provider, stranger)).json()["outcome"] == "unmatched"
    other = provider.event("charge.refunded", {"id": "ch_1"})
    assert (await deliver(user, provider, other)).json()["outcome"] == "ignored"
    assert await runtime.database.first("SELECT count(*) AS n FROM subscriptions") == {"n": 0}


async def test_a_signed_body_that_is_no_event_answers_400(user, provider) -> None:
    for body in (
        b"not json",
        b"[]",
        b'{"id": "evt_1"}',
        b'{"id":"e","type":"t","created":true,"data":{"object":{}}}',
    ):
        headers = {"stripe-signature": provider.signed({})[1]["stripe-signature"]}
        from tests.plans.provider import stripe_signature

        headers["stripe-signature"] = stripe_signature([SECRET], int(provider.now), body)
        answer = await user.post(
            HOOK, content=body, headers={**headers, "content-type": "application/json"}
        )
        assert answer.status_code == 400, body
        assert answer.json()["error"]["code"] == "invalid_event"


async def test_without_a_secret_the_webhook_answers_503(settings, runtime, provider) -> None:
    bare = settings.model_copy(update={"billing_webhook_secret": None})
    async with make_client(create_app(bare, runtime)) as client:
        body, headers = provider.signed(provider.event("invoice.paid", {}))
        answer = await client.post(HOOK, content=body, headers=headers)
        assert answer.status_code == 503


def test_the_served_product_takes_the_providers_events_over_http(tmp_path: Path) -> None:
    import time

    with served(tmp_path, CREATOR_EDGE_BILLING_WEBHOOK_SECRET=SECRET) as server:
        provider = StandinProvider([SECRET], time.time())
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            user = sign_up(client, "served")
            event = provider.subscription("created", user_id=user["user"]["id"], tier="business")
            body, headers = provider.signed(event)
            assert client.post(HOOK, content=body, headers=headers).json()["outcome"] == "applied"
            forged = provider.subscription("updated", user_id=user["user"]["id"], tier="free")
            body, headers = provider.signed(forged, secrets=["whsec_wrong"])
            assert client.post(HOOK, content=body, headers=headers).status_code == 400
            sub = client.get("/api/subscription", headers=user["auth"]).json()
            assert sub["tier"] == "business"
