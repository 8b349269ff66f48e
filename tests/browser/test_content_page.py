"""A published post's public page (``/c/{slug}``) in the real browser: the audit
(axe-core in both colour schemes, Lighthouse's best-practice and SEO checks, the
Observatory's headers), no console error, and its SEO tags as a crawler reads them."""

from __future__ import annotations

import pytest

from tests.browser.audit import AXE, audit
from tests.browser.conftest import sign_up
from tests.browser.test_editor import call_api

pytestmark = pytest.mark.skipif(not AXE.is_file(), reason="axe-core is missing: npm install")


def test_a_published_post_page_passes_the_audit(page, server) -> None:
    sign_up(page)
    post = call_api(
        page,
        "POST",
        "/api/content",
        {
            "title": "Truing a bicycle wheel",
            "body": "A spoke key, a truing stand and patience.\nTurn a quarter at a time.",
            "visibility": "public",
            "tags": ["Cycling", "Repair"],
        },
    )
    published = call_api(page, "POST", f"/api/content/{post['id']}/publish")
    page.context.clear_cookies()  # a reader, not the author
    response = page.goto(published["url"])
    page.wait_for_load_state("load")
    assert audit(page, response) == []
    assert page.get_by_role("heading", level=1).inner_text() == "Truing a bicycle wheel"
    canonical = page.locator('link[rel="canonical"]').get_attribute("href")
    assert canonical is not None and canonical.endswith(published["url"])
    assert page.locator('meta[property="og:title"]').get_attribute("content") == post["title"]
