"""scripts/demo_analytics.py writes to the demo account only: a real creator's
profile keeps every number it had (raw events, rollups, the summary), and the
demo's own profiles get the traffic."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

from core.analytics.reports import rollup
from core.clock import iso
from tests.analytics.conftest import CHROME, settle

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "demo_analytics.py"


def _script():
    spec = importlib.util.spec_from_file_location("demo_analytics", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _numbers(runtime, alice, profile_id: str, since: float) -> tuple:
    db = runtime.database
    raw = await db.all(
        "SELECT * FROM analytics_events WHERE profile_id = ? ORDER BY id",
        profile_id,
    )
    rollups = await db.all(
        "SELECT grain, bucket, type, dim, value, events, uniques FROM analytics_rollups"
        " WHERE profile_id = ? ORDER BY grain, bucket, type, dim, value",
        profile_id,
    )
    summary = await alice.get(
        f"/api/analytics/profiles/{profile_id}/summary",
        params={"from": iso(since), "to": iso(time.time() + 86400), "interval": "day"},
    )
    assert summary.status_code == 200, summary.text
    return raw, rollups, summary.json()


async def test_the_demo_leaves_every_other_profile_unchanged(
    runtime, clock, alice, site, visitor, settings, monkeypatch
) -> None:
    # A real creator's traffic, folded by the hourly job (a watermark exists).
    for n in range(6):
        await visitor(f"203.0.113.{n + 1}", CHROME).get(f"/p/{site.slug}")
    await visitor("203.0.113.9", CHROME).get(f"/l/{site.links[0]}", follow_redirects=False)
    await settle(runtime)
    await rollup.rollup_recent(runtime.database, clock.now() + 7200)
    since = clock.now() - 86400
    before = await _numbers(runtime, alice, site.profile_id, since)
    assert before[0] and before[1], "the real profile has raw events and rollups"

    monkeypatch.setenv("CREATOR_EDGE_DATA_DIR", str(settings.data_dir))
    days = int((time.time() - clock.now()) / 86400) + 2  # the demo covers the real traffic
    await _script().fill(events=400, days=days, profiles=2, seed=3)

    after = await _numbers(runtime, alice, site.profile_id, since)
    assert after == before
    demo = await runtime.database.all(
        "SELECT p.id, count(e.id) AS n FROM profiles p JOIN users u ON u.id = p.owner_id"
        " LEFT JOIN analytics_events e ON e.profile_id = p.id"
        " WHERE u.username = 'demo' GROUP BY p.id"
    )
    assert len(demo) == 2 and sum(row["n"] for row in demo) > 0
    others = await runtime.database.all(
        "SELECT DISTINCT e.owner_id FROM analytics_events e JOIN users u ON u.id = e.owner_id"
        " WHERE u.username NOT IN ('demo', 'alice')"
    )
    assert others == []
