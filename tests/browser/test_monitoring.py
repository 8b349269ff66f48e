"""Web vitals in a real browser: the public page measures itself with the
web-vitals package and sends the beacon when it is left; after the hourly
rollup the monitoring page renders them, with the chart drawn by uPlot."""

from __future__ import annotations

import time
import uuid

from tests.browser.conftest import Server, api_client, sign_up


def _performance(api) -> dict[str, dict]:
    answer = api.get("/api/monitoring/performance")
    assert answer.status_code == 200, answer.text
    return {item["metric"]: item for item in answer.json()["items"]}


def test_the_public_page_sends_vitals_and_the_monitoring_page_shows_them(
    page, server: Server
) -> None:
    account = sign_up(page)
    slug = f"vitals{uuid.uuid4().hex[:8]}"
    with api_client(server, account) as api:
        made = api.post("/api/profiles", json={"slug": slug, "display_name": "Fast Page"})
        assert made.status_code == 201, made.text

        beacons = []
        page.on(
            "request",
            lambda r: (
                beacons.append(r.post_data) if r.url.endswith("/api/monitoring/vitals") else None
            ),
        )
        page.goto(f"/p/{slug}")
        page.wait_for_load_state("load")
        page.mouse.click(5, 5)  # an interaction, so LCP is final and INP can be measured
        page.wait_for_timeout(300)
        # Leaving the page sends the beacon (pagehide, or visibilitychange to hidden).
        # Headless Chromium's navigations do not reliably hand the request to
        # Playwright's listener, so the page is told it is hidden, as a tab switch does.
        page.evaluate("() => window.dispatchEvent(new Event('pagehide'))")
        page.wait_for_timeout(200)
        page.goto("/account")
        deadline = time.monotonic() + 10
        seen: dict[str, dict] = {}
        while time.monotonic() < deadline:
            fired = api.get("/__scheduled", params={"cron": "0 * * * *"})
            assert fired.status_code == 200, fired.text
            seen = _performance(api)
            if {"FCP", "TTFB"} <= set(seen):
                break
            time.sleep(0.3)
        assert beacons, "the page sent no vitals beacon"
        assert {"FCP", "TTFB"} <= set(seen), (seen, beacons)
        assert seen["TTFB"]["count"] >= 1 and seen["FCP"]["p75"] > 0

        page.goto("/monitoring")
        page.wait_for_load_state("load")
        rows = page.eval_on_selector_all(
            "table.vitals tbody tr", "rows => rows.map(r => r.cells[0].textContent.trim())"
        )
        assert {"FCP", "TTFB"} <= set(rows)
        page.wait_for_selector("#vitals-chart canvas")
        drawn = page.evaluate(
            "() => { const c = document.querySelector('#vitals-chart canvas');"
            " return [c.width, c.height]; }"
        )
        assert drawn[0] > 0 and drawn[1] > 0
