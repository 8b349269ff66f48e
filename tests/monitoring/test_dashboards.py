"""Saved dashboards (CRUD), the monitoring page rendering one, and retention."""

from __future__ import annotations

import re

from core.clock import iso
from core.features import run_cron
from core.ids import new_id
from core.jobs.schedule import DAILY
from core.monitoring import errorlog, repo, vitals
from core.monitoring.models import ErrorReport

DAY = 86400


async def test_dashboards_crud_and_one_default(alice):
    first = await alice.post(
        "/api/dashboards",
        json={
            "name": "Main",
            "widget_configs": [{"type": "vitals"}, {"type": "errors"}],
            "is_default": True,
        },
    )
    assert first.status_code == 201, first.text
    second = await alice.post(
        "/api/dashboards",
        json={
            "name": "Ops",
            "layout_config": {"columns": 1},
            "widget_configs": [{"type": "health"}],
            "is_default": True,
        },
    )
    listed = (await alice.get("/api/dashboards")).json()["items"]
    assert {d["name"]: d["is_default"] for d in listed} == {"Main": False, "Ops": True}
    patched = await alice.patch(
        f"/api/dashboards/{first.json()['id']}",
        json={"name": "Main 2", "widget_configs": [{"type": "alerts", "limit": 5}]},
    )
    assert patched.status_code == 200
    assert patched.json()["widget_configs"][0] == {
        "type": "alerts",
        "title": None,
        "days": 7,
        "limit": 5,
    }
    for bad in (
        {"name": "x", "widget_configs": []},
        {"name": "x", "widget_configs": [{"type": "weather"}]},
        {"name": "x", "widget_configs": [{"type": "vitals"}], "layout_config": {"columns": 9}},
    ):
        assert (await alice.post("/api/dashboards", json=bad)).status_code == 422
    assert (await alice.delete(f"/api/dashboards/{second.json()['id']}")).status_code == 204
    assert (await alice.get(f"/api/dashboards/{second.json()['id']}")).status_code == 404


async def test_the_monitoring_page_renders_a_saved_layouts_widgets(
    app, runtime, alice, client, clock
):
    assert (await client.get("/monitoring")).status_code == 303
    me = (await alice.get("/api/me")).json()["id"]
    at = clock.now() - 7200
    await repo.insert_vitals(
        runtime.database,
        [
            (
                new_id(at),
                me,
                None,
                None,
                "LCP",
                3100.0,
                "ms",
                "needs-improvement",
                "/p/a",
                "mobile",
                None,
                at,
                iso(at),
            )
        ],
    )
    await vitals.rollup_hour(runtime.database, int(at) - int(at) % 3600)
    await errorlog.record_report(
        runtime.database,
        ErrorReport(name="TypeError", message="x is undefined"),
        owner_id=me,
        at=clock.now(),
        private=False,
        user_agent=None,
    )
    await alice.post(
        "/api/dashboards",
        json={
            "name": "Launch",
            "widget_configs": [
                {"type": "vitals"},
                {"type": "errors"},
                {"type": "alerts"},
                {"type": "health"},
            ],
        },
    )
    page = await alice.get("/monitoring")  # optional_actor takes the bearer too
    assert page.status_code == 200, page.text
    html = page.text
    assert "Monitoring: Launch" in html
    # p75 of one LCP of 3100 ms, within the sketch's 1 %
    assert re.search(r"<th scope=\"row\">LCP</th>\s*<td>3(0[7-9]\d|1[0-3]\d)\.?\d* ms", html)
    assert "needs-improvement" in html
    assert "TypeError: x is undefined" in html
    assert "No active alerts." in html
    assert "/static/uplot." in html and "/static/monitoring/monitoring." in html
    for url in ("/static/monitoring/", "/static/uplot."):
        start = html.index(url)
        src = html[start : html.index('"', start)]
        assert (await client.get(src)).status_code == 200


async def test_retention_purges_old_rows_in_chunks(runtime, settings, clock):
    now = clock.now()
    old, new = now - 40 * DAY, now - DAY
    db = runtime.database
    rows = [
        (new_id(t), None, "API_RESPONSE_TIME", 1.0, "ms", t, None, None, iso(t))
        for t in [old] * 1200 + [new] * 3
    ]
    await repo.insert_metrics(db, rows)
    for t in (old, new, now - 100 * DAY):
        await errorlog.record(
            db,
            errorlog.group_row(
                owner_id=None,
                error_type="server",
                name=f"E{t}",
                message="m",
                stack=None,
                severity="low",
                url=None,
                user_agent=None,
                session_id=None,
                context=None,
                at=t,
            ),
        )
    await run_cron(DAILY, runtime.ports(), settings, scheduled_time=now)
    left = await db.all("SELECT COUNT(*) AS n FROM monitoring_metrics")
    assert left[0]["n"] == 3
    errors = await db.all("SELECT error_name FROM error_logs ORDER BY timestamp")
    assert len(errors) == 2  # 40 and 1 days old are within the 90 days
    assert (await db.all("SELECT COUNT(*) AS n FROM error_counts"))[0]["n"] == 2
