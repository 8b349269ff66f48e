"""Every page of the product, signed out and signed in, passes the audit
(tests/browser/audit.py): accessibility by axe-core in both colour schemes,
Lighthouse's best-practice and SEO checks, the Observatory's headers, and no
console error (the ``page`` fixture). The public profile page is the creator's
and has its own test; it is audited here too."""

from __future__ import annotations

import pytest

from tests.browser.audit import AXE, audit
from tests.browser.conftest import sign_up
from tests.browser.test_public_page import make_public_profile

pytestmark = pytest.mark.skipif(not AXE.is_file(), reason="axe-core is missing: npm install")


def _audited(page, path: str) -> list[str]:
    response = page.goto(path)
    page.wait_for_load_state("load")
    return [f"{path}: {finding}" for finding in audit(page, response)]


def test_the_home_page_leads_in_and_passes(page) -> None:
    findings = _audited(page, "/")
    assert page.get_by_role("heading", level=1).inner_text() == "One page for everything you make"
    nav = page.get_by_role("navigation", name="creator-edge")
    assert nav.get_by_role("link", name="Sign in").is_visible()
    page.get_by_role("link", name="Create an account").first.click()
    page.wait_for_url("**/register")
    assert findings == []


def test_every_page_passes_signed_out_and_signed_in(page, server) -> None:
    findings = _audited(page, "/login") + _audited(page, "/register")
    sign_up(page)
    slug = make_public_profile(page, server)
    for path in ("/", "/account", "/editor", "/dashboard", "/monitoring", f"/p/{slug}"):
        findings += _audited(page, path)
    page.goto("/")
    nav = page.get_by_role("navigation", name="creator-edge")
    for name, where in (
        ("Editor", "/editor"),
        ("Dashboard", "/dashboard"),
        ("Monitoring", "/monitoring"),
        ("Account", "/account"),
    ):
        nav.get_by_role("link", name=name).click()
        page.wait_for_url(f"**{where}")
        page.get_by_role("navigation", name="creator-edge").get_by_role(
            "link", name="creator-edge"
        ).click()
        page.wait_for_url(f"{server.base_url}/")
    assert findings == [], "\n".join(findings)


def test_the_audit_fails_a_page_that_lighthouse_would(page) -> None:
    bad = "<p>no doctype, lang, title or viewport</p><img src='data:,'><a>no href</a>"
    page.route("**/bad-page", lambda route: route.fulfill(status=200, body=bad))
    response = page.goto("/bad-page")
    found = {finding.audit for finding in audit(page, response)}
    expected = {
        "doctype",
        "html-has-lang",
        "document-title",
        "meta-viewport",
        "meta-description",
        "csp-xss",
        "observatory",
        "crawlable-anchors",
        "errors-in-console (favicon)",
        "axe image-alt (light)",
        "axe html-has-lang (dark)",
    }
    assert expected <= found, found
