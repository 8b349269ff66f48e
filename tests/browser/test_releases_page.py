"""The admin's release numbers page (``/admin/releases``) passes the same audit as
every page of the product (axe-core in both schemes, Lighthouse's checks, headers)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.browser.audit import AXE, audit
from tests.browser.conftest import api_client, sign_up

pytestmark = pytest.mark.skipif(not AXE.is_file(), reason="axe-core is missing: npm install")


def test_the_admin_releases_page_passes(page, server) -> None:
    account = sign_up(page)
    subprocess.run(
        [sys.executable, "-m", "core", "set-role", account.username, "admin"],
        env={**os.environ, "CREATOR_EDGE_DATA_DIR": str(server.data_dir)},
        check=True,
        capture_output=True,
    )
    with api_client(server, account) as client:
        published = client.post(
            "/api/admin/versions",
            json={"version": "1.0.0", "download_url": "https://dl.example.com/App-1.0.0"},
        )
        assert published.status_code == 201, published.text
        client.post("/api/track-download", json={"os": "macos"})
        client.post("/api/feedback", json={"message": "Nice", "email": "n@example.com"})
    response = page.goto("/admin/releases")
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", level=1).inner_text() == "App releases"
    assert page.get_by_role("cell", name="n@example.com").is_visible()
    findings = audit(page, response)
    assert findings == [], "\n".join(str(f) for f in findings)
