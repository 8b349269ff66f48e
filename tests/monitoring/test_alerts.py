"""Alert rules: threshold, trend and pattern rules fire on data made to cross
them, stay quiet otherwise, honour their cooldown and never open a duplicate
while an instance is open; acknowledging and resolving are audited."""

from __future__ import annotations

from core.clock import iso
from core.ids import new_id
from core.monitoring import errorlog, repo
from core.monitoring.alerts.evaluate import evaluate_rules
from core.monitoring.models import ErrorReport

MIN = 60


async def _me(client) -> str:
    return (await client.get("/api/me")).json()["id"]


async def _metric(runtime, owner: str, name: str, value: float, at: float) -> None:
    await repo.insert_metrics(
        runtime.database, [(new_id(at), owner, name, value, "ms", at, None, None, iso(at))]
    )


async def _rule(client, kind: str, config: dict, **extra) -> dict:
    response = await client.post(
        "/api/alert-rules",
        json={"name": f"{kind} rule", "condition_type": kind, "condition_config": config, **extra},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _alerts(client, status: str | None = None) -> list[dict]:
    params = {"status": status} if status else {}
    return (await client.get("/api/alerts", params=params)).json()["items"]


async def test_a_threshold_rule_fires_only_when_crossed_and_honours_its_cooldown(
    runtime, alice, clock
):
    me = await _me(alice)
    rule = await _rule(
        alice,
        "threshold",
        {
            "metric": "checkout_ms",
            "aggregate": "avg",
            "op": ">",
            "value": 500,
            "window_minutes": 10,
        },
        cooldown_minutes=60,
        severity="high",
    )
    assert rule["webhook_secret"]  # shown once
    assert (await alice.get(f"/api/alert-rules/{rule['id']}")).json()["webhook_secret"] is None
    now = clock.now()
    await _metric(runtime, me, "checkout_ms", 300, now - 2 * MIN)
    await _metric(runtime, me, "checkout_ms", 600, now - 1 * MIN)  # avg 450: quiet
    await _metric(runtime, me, "checkout_ms", 900, now - 30 * MIN)  # outside the window
    result = await evaluate_rules(runtime.database, now)
    assert result.rules == 1 and result.fired == 0
    assert await _alerts(alice) == []

    await _metric(runtime, me, "checkout_ms", 1200, now)  # avg 700: fires
    result = await evaluate_rules(runtime.database, now)
    assert result.opened == 1
    [alert] = await _alerts(alice)
    assert alert["status"] == "active" and alert["severity"] == "high"
    assert alert["alert_rule_id"] == rule["id"]
    assert alert["triggered_data"]["observed"] == 700

    # still crossing: no duplicate while it is open, nor after it is resolved within
    # the cooldown
    clock.advance(5 * MIN)
    await _metric(runtime, me, "checkout_ms", 2000, clock.now())
    assert (await evaluate_rules(runtime.database, clock.now())).skipped_open == 1
    await alice.post(f"/api/alerts/{alert['id']}/resolve")
    result = await evaluate_rules(runtime.database, clock.now())
    assert result.skipped_cooldown == 1 and len(await _alerts(alice)) == 1
    # past the cooldown, a new instance (read in SQL: alice's access token has expired)
    clock.advance(60 * MIN)
    await _metric(runtime, me, "checkout_ms", 2000, clock.now())
    assert (await evaluate_rules(runtime.database, clock.now())).opened == 1
    rows = await runtime.database.all("SELECT status FROM alert_instances ORDER BY id")
    assert [r["status"] for r in rows] == ["resolved", "active"]


async def test_a_threshold_rule_on_a_vital(runtime, alice, clock):
    me = await _me(alice)
    await _rule(
        alice,
        "threshold",
        {"metric": "LCP", "aggregate": "max", "op": ">=", "value": 4000, "window_minutes": 15},
    )
    at = clock.now() - MIN
    row = (
        new_id(at),
        me,
        None,
        None,
        "LCP",
        3999.0,
        "ms",
        "poor",
        "/p/a",
        "mobile",
        None,
        at,
        iso(at),
    )
    await repo.insert_vitals(runtime.database, [row])
    assert (await evaluate_rules(runtime.database, clock.now())).fired == 0
    await repo.insert_vitals(runtime.database, [(new_id(at), *row[1:5], 4000.0, *row[6:])])
    assert (await evaluate_rules(runtime.database, clock.now())).opened == 1


async def test_a_trend_rule_compares_with_the_previous_window(runtime, alice, clock):
    me = await _me(alice)
    await _rule(
        alice,
        "trend",
        {"metric": "api_ms", "aggregate": "avg", "change_percent": 50, "window_minutes": 30},
        cooldown_minutes=0,
    )
    now = clock.now()
    for minutes in (50, 40, 35):  # the previous window: avg 100
        await _metric(runtime, me, "api_ms", 100, now - minutes * MIN)
    await _metric(runtime, me, "api_ms", 140, now - 10 * MIN)  # +40 %: quiet
    assert (await evaluate_rules(runtime.database, now)).fired == 0
    await _metric(runtime, me, "api_ms", 180, now - 5 * MIN)  # avg 160: +60 %
    assert (await evaluate_rules(runtime.database, now)).opened == 1
    [alert] = await _alerts(alice)
    assert round(alert["triggered_data"]["observed_change_percent"]) == 60, alert
    # a fall does not fire an "up" rule
    other = await _rule(
        alice,
        "trend",
        {
            "metric": "api_ms",
            "aggregate": "avg",
            "change_percent": 50,
            "direction": "down",
            "window_minutes": 30,
        },
    )
    await evaluate_rules(runtime.database, now)
    assert [a["alert_rule_id"] for a in await _alerts(alice)].count(other["id"]) == 0


async def test_a_pattern_rule_counts_matching_errors_in_its_window(runtime, alice, clock):
    me = await _me(alice)
    await _rule(
        alice,
        "pattern",
        {"pattern": "TypeError: *undefined*", "count": 5, "window_minutes": 15},
        cooldown_minutes=30,
    )

    async def report(name: str, message: str, n: int) -> None:
        for _ in range(n):
            await errorlog.record_report(
                runtime.database,
                ErrorReport(name=name, message=message),
                owner_id=me,
                at=clock.now(),
                private=False,
                user_agent=None,
            )

    await report("TypeError", "x is undefined", 3)
    await report("RangeError", "x is undefined", 10)  # another name: not counted
    await report("TypeError", "quota exceeded", 10)  # another message: not counted
    clock.advance(5 * MIN)
    assert (await evaluate_rules(runtime.database, clock.now())).fired == 0
    await report("TypeError", "y is undefined", 2)  # 5 in the window: fires
    result = await evaluate_rules(runtime.database, clock.now())
    assert result.opened == 1
    [alert] = await _alerts(alice)
    assert alert["triggered_data"]["observed_count"] == 5
    # old occurrences leave the window
    assert (await alice.post(f"/api/alerts/{alert['id']}/resolve")).status_code == 200
    clock.advance(40 * MIN)
    assert (await evaluate_rules(runtime.database, clock.now())).fired == 0


async def test_acknowledge_and_resolve_record_who_and_when_and_are_audited(
    runtime, alice, bob, clock
):
    me = await _me(alice)
    await _rule(alice, "threshold", {"metric": "m", "op": ">", "value": 0, "window_minutes": 5})
    await _metric(runtime, me, "m", 1, clock.now())
    await evaluate_rules(runtime.database, clock.now())
    [alert] = await _alerts(alice)

    assert (await bob.post(f"/api/alerts/{alert['id']}/acknowledge")).status_code == 404
    clock.advance(30)
    acked = await alice.post(f"/api/alerts/{alert['id']}/acknowledge")
    assert acked.status_code == 200
    assert acked.json()["status"] == "acknowledged" and acked.json()["acknowledged_by"] == me
    assert acked.json()["acknowledged_at"] == iso(clock.now())
    again = await alice.post(f"/api/alerts/{alert['id']}/acknowledge")
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"
    clock.advance(30)
    resolved = await alice.post(f"/api/alerts/{alert['id']}/resolve")
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolved_by"] == me
    assert resolved.json()["resolved_at"] == iso(clock.now())
    assert (await alice.post(f"/api/alerts/{alert['id']}/resolve")).status_code == 409

    audit = (await alice.get("/api/me/audit")).json()["items"]
    actions = [(e["action"], e["details"]) for e in audit if e["action"].startswith("alert.")]
    assert ("alert.acknowledge", {"from": "active", "to": "acknowledged"}) in actions
    assert ("alert.resolve", {"from": "acknowledged", "to": "resolved"}) in actions


async def test_rules_are_validated_and_editable(alice):
    bad = [
        {"condition_type": "threshold", "condition_config": {"metric": "m"}},  # no value
        {"condition_type": "trend", "condition_config": {"metric": "m", "change_percent": -1}},
        {"condition_type": "pattern", "condition_config": {"pattern": "", "count": 1}},
        {"condition_type": "magic", "condition_config": {}},
        {
            "condition_type": "threshold",
            "condition_config": {"metric": "m", "value": 1},
            "notification_channels": [{"type": "webhook"}],
        },
    ]
    for body in bad:
        response = await alice.post("/api/alert-rules", json={"name": "x", **body})
        assert response.status_code == 422, (body, response.text)
    rule = await _rule(alice, "threshold", {"metric": "m", "value": 1})
    patched = await alice.patch(
        f"/api/alert-rules/{rule['id']}",
        json={"enabled": False, "condition_config": {"metric": "m", "value": 9, "op": "<"}},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["enabled"] is False and patched.json()["condition_config"]["value"] == 9
    listed = (await alice.get("/api/alert-rules")).json()["items"]
    assert [r["id"] for r in listed] == [rule["id"]]
    assert (await alice.delete(f"/api/alert-rules/{rule['id']}")).status_code == 204
    assert (await alice.get(f"/api/alert-rules/{rule['id']}")).status_code == 404
