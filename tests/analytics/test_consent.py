"""Consent (issue 15): a profile's visitors are counted without a visitor hash by
default; in the consent mode, with one only after the visitor agreed on the page's
banner; Do Not Track and Global Privacy Control win over consent."""

from __future__ import annotations

import json

import pytest

from tests.analytics.conftest import CHROME, events, settle
from tests.conftest import make_client


async def _profile(alice, mode: str | None) -> str:
    body = {"slug": "alice-page", "display_name": "Alice"}
    if mode:
        body["analytics_mode"] = mode
    made = await alice.post("/api/profiles", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["analytics_mode"] == (mode or "anonymous")
    return made.json()["id"]


async def _visit(app, profile_id: str, **headers: str) -> None:
    async with make_client(app, ip="203.0.113.70") as visitor:
        visitor.headers.update({"user-agent": CHROME, **headers})
        page = await visitor.get("/p/alice-page")
        assert page.status_code == 200
        view = {"type": "page_view", "profile_id": profile_id, "path": "/p/alice-page"}
        sent = await visitor.post(
            "/api/collect",
            content=json.dumps({"events": [view]}),
            headers={"content-type": "text/plain"},
        )
        assert sent.status_code == 202


@pytest.mark.parametrize(
    ("mode", "headers", "hashed"),
    [
        (None, {"cookie": "ce_consent=1"}, False),  # the default: no hash, whatever the cookie
        ("consent", {}, False),  # no answer yet
        ("consent", {"cookie": "ce_consent=0"}, False),  # said no
        ("consent", {"cookie": "ce_consent=1"}, True),
        ("consent", {"cookie": "ce_consent=1", "dnt": "1"}, False),  # DNT wins
        ("consent", {"cookie": "ce_consent=1", "sec-gpc": "1"}, False),  # GPC wins
    ],
)
async def test_visitor_hashes_only_with_consent(app, alice, runtime, mode, headers, hashed) -> None:
    profile_id = await _profile(alice, mode)
    await _visit(app, profile_id, **headers)
    await settle(runtime)
    rows = await events(runtime, "profile_id = ?", profile_id)
    assert len(rows) == 2  # the view and the beacon are counted either way
    assert all(bool(r["visitor"]) is hashed for r in rows), rows


async def test_the_banner_shows_only_in_the_consent_mode(app, alice) -> None:
    profile_id = await _profile(alice, None)
    async with make_client(app, ip="203.0.113.71") as anyone:
        assert 'id="ce-consent"' not in (await anyone.get("/p/alice-page")).text
        changed = await alice.patch(
            f"/api/profiles/{profile_id}", json={"analytics_mode": "consent"}
        )
        assert changed.status_code == 200 and changed.json()["analytics_mode"] == "consent"
        page = await anyone.get("/p/alice-page")  # the cached page was dropped
        assert 'id="ce-consent"' in page.text and 'data-consent="yes"' in page.text
    bad = await alice.patch(f"/api/profiles/{profile_id}", json={"analytics_mode": "everyone"})
    assert bad.status_code == 422
