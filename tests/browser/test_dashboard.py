"""The dashboard in a real browser: real traffic through the public pages and
the beacon, the hourly rollup, then /dashboard must draw what the API says."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from tests.browser.conftest import Server, api_client, sign_up

# Real browsers' user agents: each is its own visitor (the address is the same).
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
)
REFERRER = "https://news.ycombinator.com/item?id=42"
# Where the heatmap's clicks land: the first link button of the profile page.
CLICK_X, CLICK_Y = 0.5, 0.32


def _page_range() -> dict[str, str]:
    """The range the page asks for by default: the last 7 UTC days, today included."""
    today = datetime.now(UTC).date()
    start = today - timedelta(days=6)
    return {
        "from": f"{start.isoformat()}T00:00:00Z",
        "to": f"{(today + timedelta(days=1)).isoformat()}T00:00:00Z",
        "interval": "day",
    }


def _make_traffic(server: Server, slug: str, profile_id: str, link_ids: list[str]) -> int:
    """Views, clicks and heatmap points from three visitors; returns the clicks sent."""
    clicks = 0
    for i, agent in enumerate(AGENTS):
        with server.client(follow_redirects=False) as visitor:
            # Visitors who agreed on the consent banner: they are counted as visitors.
            headers = {"user-agent": agent, "accept": "text/html", "cookie": "ce_consent=1"}
            if i == 0:
                headers["referer"] = REFERRER
            query = "?utm_source=newsletter" if i == 1 else ""
            assert visitor.get(f"/p/{slug}{query}", headers=headers).status_code == 200
            for link_id in link_ids[: i + 1]:
                answer = visitor.get(f"/l/{link_id}", headers=headers)
                assert answer.status_code == 302
                clicks += 1
            points = [
                {
                    "type": "custom",
                    "profile_id": profile_id,
                    "path": f"/p/{slug}",
                    "x": CLICK_X + 0.01 * k,
                    "y": CLICK_Y,
                    "selector": "a.link",
                }
                for k in range(3)
            ]
            beacon = visitor.post(
                "/api/collect",
                json={"events": points},
                headers={"user-agent": agent, "origin": server.base_url, "cookie": "ce_consent=1"},
            )
            assert beacon.status_code == 202, beacon.text
    return clicks


def _wait_for_counts(api, profile_id: str, expected: dict[str, int]) -> dict:
    """Events are written just after their responses: wait until all are in."""
    deadline = time.monotonic() + 10
    while True:
        answer = api.get(f"/api/analytics/profiles/{profile_id}/summary", params=_page_range())
        assert answer.status_code == 200, answer.text
        totals = answer.json()["totals"]
        seen = {kind: totals.get(kind, {}).get("events", 0) for kind in expected}
        if seen == expected or time.monotonic() > deadline:
            assert seen == expected
            return answer.json()
        time.sleep(0.1)


DRAWN = """(spot) => {
  const d = window.creatorEdgeDashboard;
  const canvas = document.querySelector("#timeseries canvas");
  const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let views = 0;  // pixels of the views line (#5b5bd6)
  for (let i = 0; i < px.length; i += 4) {
    if (Math.abs(px[i] - 91) < 24 && Math.abs(px[i + 1] - 91) < 24
        && Math.abs(px[i + 2] - 214) < 24 && px[i + 3] > 200) views += 1;
  }
  const heat = document.getElementById("heatmap");
  const hctx = heat.getContext("2d");
  const at = (x, y) => Array.from(hctx.getImageData(
    Math.round(x * heat.width), Math.round(y * heat.height), 1, 1).data);
  return {
    data: d.chart.data,
    summary: d.summary,
    heatmap: {total: d.heatmap.total, max: d.heatmap.max},
    viewPixels: views,
    hot: at(spot.x, spot.y),
    cold: at(0.5, 0.95),
  };
}"""


def _cells(page, table_id: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"#{table_id} tbody tr",
        "rows => rows.map(r => Array.from(r.cells, c => c.textContent.trim()))",
    )


def test_dashboard_draws_the_profiles_real_traffic(page, server: Server) -> None:
    account = sign_up(page)
    slug = f"dash{uuid.uuid4().hex[:8]}"
    with api_client(server, account) as api:
        made = api.post(
            "/api/profiles",
            json={"slug": slug, "display_name": "Dash Board", "analytics_mode": "consent"},
        )
        assert made.status_code == 201, made.text
        profile_id = made.json()["id"]
        link_ids = []
        for title in ("Docs", "Blog", "Shop"):
            link = api.post(
                f"/api/profiles/{profile_id}/links",
                json={"title": title, "url": f"https://example.com/{title.lower()}"},
            )
            assert link.status_code == 201, link.text
            link_ids.append(link.json()["id"])

        clicks = _make_traffic(server, slug, profile_id, link_ids)
        sent = {"profile_view": len(AGENTS), "link_click": clicks, "custom": 3 * len(AGENTS)}
        before = _wait_for_counts(api, profile_id, sent)
        fired = api.get("/__scheduled", params={"cron": "0 * * * *"})
        assert fired.status_code == 200, fired.text
        assert all(job["outcome"] != "failed" for job in fired.json()["jobs"]), fired.text
        expected = api.get(f"/api/analytics/profiles/{profile_id}/summary", params=_page_range())
        assert expected.status_code == 200
        # Folding the hour changes where the numbers come from, not the numbers.
        assert expected.json()["totals"] == before["totals"]
        assert expected.json()["visitors"] == before["visitors"] == len(AGENTS)
        expected_heat = api.get(
            f"/api/analytics/profiles/{profile_id}/heatmap", params=_page_range() | {"grid": 20}
        ).json()

    started = time.monotonic()
    page.goto("/dashboard")
    page.wait_for_selector("#report[data-loads='1']")
    load_seconds = time.monotonic() - started
    drawn = page.evaluate(DRAWN, {"x": CLICK_X + 0.01, "y": CLICK_Y})
    summary = expected.json()

    # The page drew what the API answers, and that is the traffic sent.
    assert drawn["summary"]["totals"] == summary["totals"]
    xs, views, link_clicks, visitors = drawn["data"]
    assert len(xs) == len(summary["series"]) == 7
    assert sum(views) == len(AGENTS) and sum(link_clicks) == clicks
    assert max(visitors) == summary["visitors"] == len(AGENTS)
    assert drawn["viewPixels"] > 50, "the views line was not drawn"
    assert page.locator("#total-views").inner_text() == str(len(AGENTS))
    assert page.locator("#total-clicks").inner_text() == str(clicks)
    assert page.locator("#total-visitors").inner_text() == str(len(AGENTS))
    assert page.locator("#total-ctr").inner_text() == f"{clicks / len(AGENTS) * 100:.1f}%"

    # Tables: links with their titles and CTR, the top lists, the countries.
    links = {row[0]: row for row in _cells(page, "links-table")}
    assert links["Docs"][1:] == ["3", "3", "100.0%"]
    assert links["Shop"][1:] == ["1", "1", "33.3%"]
    referrers = dict((row[0], row[1]) for row in _cells(page, "top-referrer"))
    assert referrers.get("news.ycombinator.com") == "1"
    assert "Direct" in referrers and "Unknown" not in referrers  # no referrer: typed, bookmarked
    assert ["newsletter", "1", "1"] in _cells(page, "top-utm_source")
    assert {row[0] for row in _cells(page, "top-browser")} >= {"Chrome", "Firefox"}
    countries = _cells(page, "countries-table")  # locally no country is known
    assert countries and sum(int(row[1]) for row in countries) == len(AGENTS)
    assert {row[0] for row in countries} == {"Unknown"}
    picked = page.locator("#profile option:checked").inner_text()
    assert picked == f"Dash Board (/p/{slug})"
    # Counts tick in whole numbers, and a 3-link page's outline has 3 links.
    ticks = page.evaluate("() => window.creatorEdgeDashboard.chart.axes[1]._splits")
    assert ticks and all(float(t).is_integer() for t in ticks), ticks

    # The heatmap: the API's density, drawn hot where the clicks landed.
    assert drawn["heatmap"] == {"total": expected_heat["total"], "max": expected_heat["max"]}
    assert expected_heat["total"] == 3 * len(AGENTS)
    red, green, blue, _ = drawn["hot"]
    assert red > 180 and red > green + 60 and red > blue + 60, drawn["hot"]
    assert drawn["cold"][:3] == [248, 249, 251]  # the outline's background, no heat

    assert load_seconds < 2, f"the dashboard took {load_seconds:.2f}s"


def test_dashboard_without_a_profile_says_so(page) -> None:
    sign_up(page)
    page.goto("/dashboard")
    # Waiting by locator: a predicate string would be eval'd, which the CSP forbids.
    note = page.locator("#no-profile")
    note.wait_for()
    assert "no profile yet" in note.inner_text()
    assert page.locator("#filters").is_hidden() and page.locator("#report").is_hidden()
    note.get_by_role("link", name="create your profile").click()
    page.wait_for_url("**/editor")


def test_dashboard_needs_a_session(page) -> None:
    page.goto("/dashboard")
    page.wait_for_url("**/login?next=/dashboard")
