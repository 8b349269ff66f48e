"""Times a client names are bounded before anything computes with them (issue 16, point 5)."""

from __future__ import annotations

import pytest

EXTREMES = [
    {"to": "0001-01-01T00:00:00Z"},
    {"from": "0001-01-01T00:00:00Z"},
    {"to": "9999-12-31T23:59:59-14:00"},
    {"from": "9999-12-31T23:59:59Z"},
    {"from": "0001-01-01T00:00:00+14:00", "to": "0001-01-02T00:00:00Z"},
    {"to": "1969-12-31T23:59:59Z"},
]


@pytest.mark.parametrize("view", ["summary", "heatmap", "export"])
async def test_out_of_range_dates_are_a_422(alice, view: str) -> None:
    profile = await alice.post("/api/profiles", json={"slug": "dates", "display_name": "D"})
    url = f"/api/analytics/profiles/{profile.json()['id']}/{view}"
    for params in EXTREMES:
        response = await alice.get(url, params=params)
        assert response.status_code == 422, (params, response.status_code)
        assert response.json()["error"]["code"] == "invalid"
    fine = await alice.get(url, params={"from": "2026-09-20T00:00:00+02:00"})
    assert fine.status_code in (200, 422)  # a range error at most, never a 500
