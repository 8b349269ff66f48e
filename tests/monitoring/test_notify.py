"""Notifications over real HTTP to a stand-in receiver: signed webhooks retried
until a receiver that was down gets them, Slack's format for Slack's URLs, the
email outbox, and failures that never stop evaluation."""

from __future__ import annotations

import json

from core.clock import iso
from core.ids import new_id
from core.monitoring import repo
from core.monitoring.alerts import notify
from core.monitoring.alerts.evaluate import evaluate_rules
from tests.monitoring.receiver import Receiver

MIN = 60


async def _firing_rule(runtime, client, channels: list[dict], clock) -> dict:
    me = (await client.get("/api/me")).json()["id"]
    response = await client.post(
        "/api/alert-rules",
        json={
            "name": "Slow checkout",
            "condition_type": "threshold",
            "condition_config": {"metric": "checkout_ms", "op": ">", "value": 100},
            "notification_channels": channels,
            "severity": "critical",
        },
    )
    assert response.status_code == 201, response.text
    at = clock.now()
    await repo.insert_metrics(
        runtime.database,
        [(new_id(at), me, "checkout_ms", 900.0, "ms", at, None, None, iso(at))],
    )
    return response.json()


async def _deliveries(runtime) -> list[dict]:
    return await runtime.database.all("SELECT * FROM alert_deliveries ORDER BY id")


async def test_a_receiver_down_at_first_gets_the_signed_alert_after_retries(runtime, alice, clock):
    late = Receiver()  # its port is chosen; nothing listens on it yet
    rule = await _firing_rule(
        runtime, alice, [{"type": "webhook", "url": late.url + "/hook"}], clock
    )
    assert (await evaluate_rules(runtime.database, clock.now())).opened == 1
    sent = await notify.deliver_due(
        runtime.database, runtime.http, notify.TableOutbox(), clock.now()
    )
    assert sent.failed == 1 and sent.delivered == 0
    [delivery] = await _deliveries(runtime)
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    assert delivery["last_error"] and delivery["next_attempt"] > clock.now()
    # not due yet: nothing is tried
    assert (
        await notify.deliver_due(runtime.database, runtime.http, notify.TableOutbox(), clock.now())
    ).failed == 0

    await late.start()
    try:
        late.fail = 2  # up, but answering 503 twice: the run's own retries get through
        clock.advance(2 * MIN)
        sent = await notify.deliver_due(
            runtime.database, runtime.http, notify.TableOutbox(), clock.now()
        )
        assert sent.delivered == 1
        [delivery] = await _deliveries(runtime)
        assert delivery["status"] == "delivered" and delivery["attempts"] == 2
        assert len(late.received) == 3
        last = late.received[-1]
        assert last.method == "POST" and last.path == "/hook"
        assert last.headers["content-type"] == "application/json"
        signature = last.headers[notify.SIGNATURE]
        timestamp = last.headers[notify.TIMESTAMP]
        assert notify.verify(rule["webhook_secret"], timestamp, last.body, signature)
        assert not notify.verify("another secret", timestamp, last.body, signature)
        assert not notify.verify(rule["webhook_secret"], timestamp, last.body + b" ", signature)
        payload = last.json()
        assert payload["type"] == "alert"
        assert payload["alert"]["title"] == "Slow checkout"
        assert payload["alert"]["severity"] == "critical"
        assert payload["alert"]["rule_id"] == rule["id"]
    finally:
        await late.stop()


async def test_a_receiver_that_never_answers_is_given_up_on_and_evaluation_goes_on(
    runtime, alice, clock, monkeypatch
):
    monkeypatch.setattr(notify, "BACKOFF", 0.0)
    monkeypatch.setattr(notify, "TRIES_A_RUN", 1)
    monkeypatch.setattr(notify, "MAX_ATTEMPTS", 3)
    dead = Receiver()
    await _firing_rule(runtime, alice, [{"type": "webhook", "url": dead.url}], clock)
    assert (await evaluate_rules(runtime.database, clock.now())).opened == 1
    for _ in range(notify.MAX_ATTEMPTS):
        await notify.deliver_due(runtime.database, runtime.http, notify.TableOutbox(), clock.now())
        clock.advance(10**6)
    [delivery] = await _deliveries(runtime)
    assert delivery["status"] == "failed" and delivery["attempts"] == notify.MAX_ATTEMPTS
    assert delivery["next_attempt"] is None


async def test_slack_urls_get_slacks_format():
    alert = {
        "id": "a",
        "alert_rule_id": "r",
        "title": "Slow",
        "message": "p75 high",
        "severity": "critical",
        "status": "active",
        "created_at": "now",
        "triggered_data": None,
    }
    assert notify.payload(alert, "https://hooks.slack.com/services/T/B/X") == {
        "text": ":rotating_light: [critical] Slow: p75 high"
    }
    assert notify.payload(alert, "https://example.com/hook")["type"] == "alert"


async def test_the_email_channel_fills_the_outbox(runtime, alice, clock):
    await _firing_rule(runtime, alice, [{"type": "email", "to": "ops@example.com"}], clock)
    await evaluate_rules(runtime.database, clock.now())
    sent = await notify.deliver_due(
        runtime.database, runtime.http, notify.TableOutbox(), clock.now()
    )
    assert sent.delivered == 1
    [mail] = await runtime.database.all("SELECT * FROM email_outbox")
    assert mail["to_address"] == "ops@example.com" and mail["status"] == "pending"
    assert mail["subject"] == "[critical] Slow checkout"


async def test_webhooks_must_be_https_unless_allowed(app, alice):
    app.state.settings = app.state.settings.model_copy(update={"alert_webhook_http": False})
    response = await alice.post(
        "/api/alert-rules",
        json={
            "name": "x",
            "condition_type": "threshold",
            "condition_config": {"metric": "m", "value": 1},
            "notification_channels": [{"type": "webhook", "url": "http://example.com/h"}],
        },
    )
    assert response.status_code == 422
    channels = [{"type": "webhook", "url": "https://example.com/h"}]
    response = await alice.post(
        "/api/alert-rules",
        json={
            "name": "x",
            "condition_type": "threshold",
            "condition_config": {"metric": "m", "value": 1},
            "notification_channels": channels,
        },
    )
    assert response.status_code == 201
    assert response.json()["notification_channels"] == channels
    assert json.loads(json.dumps(channels)) == channels
