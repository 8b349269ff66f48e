"""Export streams exactly the raw rows of a range; the heatmap counts clicks per cell."""

from __future__ import annotations

import csv
import io
import json

from core.analytics import repo
from tests.analytics.conftest import CHROME, settle


async def seed(runtime, profile_id: str, owner_id: str, n: int, start_ms: int) -> None:
    rows = []
    for i in range(n):
        values = dict.fromkeys(repo.COLUMNS)
        values.update(
            ts=start_ms + i * 7_000,
            type=("profile_view", "custom")[i % 2],
            owner_id=owner_id,
            profile_id=profile_id,
            visitor=f"v{i % 13}",
            country="SE" if i % 3 else None,
            x=(i % 10) / 10 if i % 2 else None,
            y=(i % 5) / 5 if i % 2 else None,
            path="/p/alice-page",
            properties=json.dumps({"i": i, "s": 'q"uote,comma'}),
        )
        rows.append(tuple(values[c] for c in repo.COLUMNS))
    await repo.insert_events(runtime.database, rows)


async def test_export_of_a_range_equals_its_raw_rows(alice, site, runtime, monkeypatch) -> None:
    from core.analytics.reports import export

    monkeypatch.setattr(export, "PAGE", 7)  # many pages, with ties on ts across pages
    owner = alice.tokens["user"]["id"]
    start_ms = 1_789_900_000_000
    await seed(runtime, site.profile_id, owner, 100, start_ms)
    await seed(runtime, site.profile_id, owner, 5, start_ms + 70_000)  # same timestamps
    await seed(runtime, "someone-else", "other-owner", 10, start_ms)
    frm, to = start_ms + 50_000, start_ms + 500_000
    expected = await runtime.database.all(
        f"SELECT {', '.join(repo.EXPORT_COLUMNS)} FROM analytics_events"
        " WHERE profile_id = ? AND ts >= ? AND ts < ? ORDER BY ts, id",
        site.profile_id,
        frm,
        to,
    )
    assert 60 < len(expected) < 105
    url = f"/api/analytics/profiles/{site.profile_id}/export"
    params = {"from": frm / 1000, "to": to / 1000}

    as_json = await alice.get(url, params={**params, "format": "json"})
    assert as_json.status_code == 200
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.json() == expected

    as_csv = await alice.get(url, params={**params, "format": "csv"})
    assert as_csv.headers["content-disposition"].startswith("attachment")
    parsed = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(parsed) == len(expected)
    for got, want in zip(parsed, expected, strict=True):
        assert got == {k: "" if v is None else str(v) for k, v in want.items()}
    assert "owner_id" not in as_csv.text.splitlines()[0]


async def test_heatmap_counts_clicks_per_cell_of_a_page(alice, site, visitor, runtime) -> None:
    client = visitor("203.0.113.60", CHROME)
    points = [(0.01, 0.01), (0.02, 0.04), (0.99, 0.99), (1.0, 1.0), (0.5, 0.5)]
    batch = [
        {
            "type": "custom",
            "profile_id": site.profile_id,
            "path": "/p/alice-page?utm_source=x",
            "x": x,
            "y": y,
            "properties": {"name": "click"},
        }
        for x, y in points
    ]
    batch.append(
        {"type": "custom", "profile_id": site.profile_id, "path": "/elsewhere", "x": 0.5, "y": 0.5}
    )
    assert (await client.post("/api/collect", json={"events": batch})).status_code == 202
    await settle(runtime)
    answer = await alice.get(
        f"/api/analytics/profiles/{site.profile_id}/heatmap",
        params={"path": "/p/alice-page", "grid": 10},
    )
    assert answer.status_code == 200, answer.text
    heat = answer.json()
    assert heat["total"] == 5 and heat["max"] == 2 and heat["grid"] == 10
    assert heat["cells"][0][0] == 2
    assert heat["cells"][9][9] == 2
    assert heat["cells"][5][5] == 1
    everywhere = await alice.get(f"/api/analytics/profiles/{site.profile_id}/heatmap")
    assert everywhere.json()["total"] == 6
