"""Views, clicks and beacon events appear in the summary, with the right counts
and uniques, before and after the hourly rollup (a hand-computed fixture)."""

from __future__ import annotations

from tests.analytics.conftest import (
    CHROME,
    FIREFOX,
    GOOGLEBOT,
    HEADLESS,
    IPHONE,
    events,
    settle,
    signin_again,
)

HOURLY = "0 * * * *"


async def traffic(site, visitor) -> None:
    a = visitor("203.0.113.10", CHROME)
    b = visitor("203.0.113.11", IPHONE, **{"cf-ipcountry": "DE", "cf-ipcity": "Berlin"})
    quiet = visitor("203.0.113.12", FIREFOX, dnt="1")
    bot = visitor("203.0.113.13", GOOGLEBOT)
    headless = visitor("203.0.113.14", HEADLESS)
    shop, blog = site.links
    for _ in range(2):
        assert (await a.get(f"/p/{site.slug}")).status_code == 200
    assert (await a.get(f"/l/{shop}")).status_code == 302
    page = await b.get(
        f"/p/{site.slug}?utm_source=newsletter&utm_medium=email",
        headers={"referer": "https://www.twitter.com/someone/status/1?token=secret"},
    )
    assert page.status_code == 200
    assert (await b.get(f"/l/{shop}")).status_code == 302
    assert (await b.get(f"/l/{blog}")).status_code == 302
    assert (await quiet.get(f"/p/{site.slug}")).status_code == 200
    assert (await bot.get(f"/p/{site.slug}")).status_code == 200
    assert (await headless.get(f"/l/{shop}")).status_code == 302
    beacon = {
        "events": [
            {
                "type": "page_view",
                "profile_id": site.profile_id,
                "path": f"/p/{site.slug}",
                "load_ms": 420,
                "referrer": "https://news.ycombinator.com/item?id=1",
            },
            {
                "type": "custom",
                "profile_id": site.profile_id,
                "path": f"/p/{site.slug}",
                "x": 0.5,
                "y": 0.25,
                "selector": "a#shop",
                "properties": {"name": "click"},
            },
        ]
    }
    sent = await a.post("/api/collect", json=beacon)
    assert sent.status_code == 202, sent.text


def expected_totals() -> dict:
    return {
        # a twice, b once, the DNT visitor once (counted, not identified)
        "profile_view": {"events": 4, "uniques": 2},
        "link_click": {"events": 3, "uniques": 2},
        "page_view": {"events": 1, "uniques": 1},
        "custom": {"events": 1, "uniques": 1},
    }


def check(summary: dict, site) -> None:
    assert summary["totals"] == expected_totals()
    assert summary["visitors"] == 2
    shop, blog = site.links
    assert summary["links"] == [
        {"link_id": shop, "clicks": 2, "uniques": 2, "ctr": 0.5},
        {"link_id": blog, "clicks": 1, "uniques": 1, "ctr": 0.25},
    ]
    top = summary["top"]
    assert top["country"] == [
        {"value": None, "events": 3, "uniques": 1},
        {"value": "DE", "events": 1, "uniques": 1},
    ]
    assert top["city"][1] == {"value": "Berlin", "events": 1, "uniques": 1}
    assert {r["value"]: r["events"] for r in top["device"]} == {"desktop": 2, "mobile": 1, None: 1}
    assert {r["value"]: r["events"] for r in top["browser"]} == {
        "Chrome": 2,
        "Mobile Safari": 1,
        None: 1,
    }
    assert {r["value"]: r["events"] for r in top["os"]} == {"Windows": 2, "iOS": 1, None: 1}
    assert top["referrer"][1] == {"value": "twitter.com", "events": 1, "uniques": 1}
    assert top["utm_source"][1] == {"value": "newsletter", "events": 1, "uniques": 1}
    series_views = sum(p["events"].get("profile_view", 0) for p in summary["series"])
    assert series_views == 4
    assert sum(p["visitors"] for p in summary["series"]) == 2


async def test_views_clicks_and_beacons_add_up_before_and_after_the_rollup(
    alice, site, visitor, runtime, clock
) -> None:
    await traffic(site, visitor)
    await settle(runtime)
    stored = await events(runtime)
    assert len(stored) == 9  # the bot and the headless browser are not there
    url = f"/api/analytics/profiles/{site.profile_id}/summary"
    params = {"from": "2026-09-20T00:00:00Z", "to": "2026-09-23T00:00:00Z", "interval": "day"}

    before = await alice.get(url, params=params)
    assert before.status_code == 200, before.text
    assert before.json()["folded_to"] is None
    check(before.json(), site)

    clock.advance(3 * 3600)  # the events' hour is closed now
    await signin_again(alice)
    fired = await alice.get("/__scheduled", params={"cron": HOURLY})
    assert fired.json()["jobs"][0]["outcome"] == "success", fired.text
    rolled = await runtime.database.first("SELECT count(*) AS n FROM analytics_rollups")
    assert rolled["n"] > 0
    for interval in ("day", "hour"):
        after = await alice.get(url, params={**params, "interval": interval})
        assert after.status_code == 200, after.text
        assert after.json()["folded_to"] is not None
        check(after.json(), site)

    # Once the day is over and folded, it is read from its daily rollup: same answer.
    clock.advance(86400)
    await signin_again(alice)
    await alice.get("/__scheduled", params={"cron": HOURLY})
    check((await alice.get(url, params=params)).json(), site)


async def test_dnt_and_gpc_events_are_counted_without_a_visitor(site, visitor, runtime) -> None:
    for headers in ({"dnt": "1"}, {"sec-gpc": "1"}):
        client = visitor("203.0.113.20", IPHONE, **headers, **{"cf-ipcity": "Paris"})
        assert (await client.get(f"/p/{site.slug}")).status_code == 200
    await settle(runtime)
    rows = await events(runtime)
    assert len(rows) == 2
    for row in rows:
        assert row["visitor"] is None
        assert row["city"] is None
        assert row["device"] is None and row["browser"] is None and row["os"] is None


async def test_bots_are_not_counted(site, visitor, runtime) -> None:
    for agent in (GOOGLEBOT, HEADLESS, "curl/8.4.0", "python-requests/2.31.0", ""):
        client = visitor("203.0.113.30", agent)
        await client.get(f"/p/{site.slug}")
        await client.post(
            "/api/collect", json={"events": [{"type": "page_view", "profile_id": site.profile_id}]}
        )
    await settle(runtime)
    assert await events(runtime) == []


async def test_the_summary_is_the_owners_alone(site, bob, alice) -> None:
    url = f"/api/analytics/profiles/{site.profile_id}/summary"
    assert (await bob.get(url)).status_code == 404
    assert (await bob.get(f"/api/analytics/profiles/{site.profile_id}/heatmap")).status_code == 404
    assert (await bob.get(f"/api/analytics/profiles/{site.profile_id}/export")).status_code == 404
    assert (await alice.get(url)).status_code == 200
    bad = await alice.get(url, params={"from": "2026-01-01", "to": "2025-01-01"})
    assert bad.status_code == 422
    long = await alice.get(
        url, params={"from": "2026-01-01", "to": "2026-03-01", "interval": "hour"}
    )
    assert long.status_code == 422
