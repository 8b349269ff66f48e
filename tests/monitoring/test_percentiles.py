"""The percentile API reads sketches from the rollups; on random data its p50,
p75 and p95 agree with the exact percentiles of the raw rows within the
sketch's stated relative error, whatever the range's split into days and hours."""

from __future__ import annotations

import math
import random

from hypothesis import given
from hypothesis import strategies as st

from core.clock import iso
from core.monitoring import repo, vitals
from core.monitoring.sketch import RELATIVE_ERROR, Sketch

HOUR = 3600


def exact(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[math.floor(q * (len(ordered) - 1))]


def close(estimate: float | None, truth: float) -> bool:
    assert estimate is not None
    return abs(estimate - truth) <= RELATIVE_ERROR * abs(truth) + 1e-9


@given(
    values=st.lists(
        st.one_of(
            st.floats(min_value=0.001, max_value=60_000, allow_nan=False),
            st.just(0.0),
        ),
        min_size=1,
        max_size=400,
    ),
    split=st.integers(min_value=1, max_value=5),
)
def test_a_sketch_merged_from_parts_is_within_its_error(values, split):
    parts = [Sketch() for _ in range(split)]
    for i, v in enumerate(values):
        parts[i % split].add(v)
    merged = Sketch()
    for p in parts:
        merged.merge(Sketch.from_json(p.to_json()))
    for q in (0.0, 0.5, 0.75, 0.95, 1.0):
        assert close(merged.quantile(q), exact(values, q))


async def test_the_api_agrees_with_exact_percentiles_on_random_data(app, runtime, alice, clock):
    rng = random.Random(20261203)
    me = (await alice.get("/api/me")).json()["id"]
    now = int(clock.now()) - int(clock.now()) % HOUR
    start = now - 3 * 86400 - 5 * HOUR  # partial days at both ends: day and hour grains
    rows, raw = [], {"LCP": [], "CLS": []}
    for i in range(6000):
        at = start + rng.random() * (now - start)
        metric = "LCP" if i % 2 else "CLS"
        value = rng.lognormvariate(7.5, 0.6) if metric == "LCP" else rng.expovariate(12)
        device = rng.choice(["mobile", "desktop"])
        raw[metric].append((value, device))
        rows.append(
            (
                f"v{i:08d}",
                me,
                None,
                None,
                metric,
                value,
                "ms",
                "good",
                "/p/a",
                device,
                None,
                at,
                iso(at),
            )
        )
    await repo.insert_vitals(runtime.database, rows)
    for hour in range(start - start % HOUR, now, HOUR):
        await vitals.rollup_hour(runtime.database, hour)

    response = await alice.get(
        "/api/monitoring/performance",
        params={"from": iso(start - start % HOUR), "to": iso(now), "group_by": "device"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["relative_error"] == RELATIVE_ERROR
    items = {(i["metric"], i["device_type"]): i for i in body["items"]}
    assert len(items) == 4
    for (metric, device), item in items.items():
        values = [v for v, d in raw[metric] if d == device]
        assert item["count"] == len(values)
        for name, q in (("p50", 0.5), ("p75", 0.75), ("p95", 0.95)):
            assert close(item[name], exact(values, q)), (metric, device, name)
    lcp = [i for i in body["items"] if i["metric"] == "LCP"]
    assert all(
        i["unit"] == "ms" and i["rating"] in ("good", "needs-improvement", "poor") for i in lcp
    )

    by_page = await alice.get(
        "/api/monitoring/performance",
        params={"from": iso(start - start % HOUR), "to": iso(now), "group_by": "page"},
    )
    assert [(i["metric"], i["page"], i["count"]) for i in by_page.json()["items"]] == [
        ("CLS", "/p/a", 3000),
        ("LCP", "/p/a", 3000),
    ]

    # Ungrouped, one metric, a range inside one day (hour grain only).
    response = await alice.get(
        "/api/monitoring/performance",
        params={"from": iso(now - 6 * HOUR), "to": iso(now), "metric": "CLS"},
    )
    [item] = response.json()["items"]
    values = [r[5] for r in rows if r[4] == "CLS" and now - 6 * HOUR <= r[11] < now]
    assert item["count"] == len(values)
    assert close(item["p75"], exact(values, 0.75))


async def test_another_users_vitals_are_not_in_mine(app, runtime, alice, bob, clock):
    bob_id = (await bob.get("/api/me")).json()["id"]
    at = clock.now() - 7200
    await vitals.repo.insert_vitals(
        runtime.database,
        [
            (
                "v1",
                bob_id,
                None,
                None,
                "LCP",
                1000.0,
                "ms",
                "good",
                "/p/b",
                "mobile",
                None,
                at,
                iso(at),
            )
        ],
    )
    await vitals.rollup_hour(runtime.database, int(at) - int(at) % HOUR)
    assert (await alice.get("/api/monitoring/performance")).json()["items"] == []
    assert len((await bob.get("/api/monitoring/performance")).json()["items"]) == 1
