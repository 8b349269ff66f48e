"""The dashboard page's frame and its static files (the browser test draws it)."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
from pathlib import Path

import pytest

from core.analytics.reports.dashboard import static_files
from core.web.render import SIGNED_IN_NAV

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = {"origin": "http://testserver"}


async def _signed_in_cookie(client) -> str:
    created = await client.post(
        "/register",
        headers=ORIGIN,
        data={"email": "dana@example.com", "username": "dana", "password": "correct horse battery"},
    )
    assert created.status_code == 303
    return created.headers["set-cookie"].split(";", 1)[0]


async def test_signed_out_visitors_are_sent_to_sign_in(client) -> None:
    response = await client.get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/dashboard"


async def test_page_loads_its_scripts_by_nonce_with_integrity(client) -> None:
    cookie = await _signed_in_cookie(client)
    page = await client.get("/dashboard", headers={"cookie": cookie})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    csp = page.headers["content-security-policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    scripts = re.findall(r"<script ([^>]*)>", page.text)
    assert len(scripts) == 2
    for attributes in scripts:
        assert f'nonce="{nonce}"' in attributes and 'integrity="sha256-' in attributes
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", page.text)  # no inline event handlers
    for label in ("Profile", "From", "To", "Interval"):
        assert f">{label}</label>" in page.text
    assert ("/dashboard", "Dashboard") in SIGNED_IN_NAV
    assert 'href="/dashboard" aria-current="page"' in page.text


async def test_static_files_are_immutable_and_match_their_hash(client) -> None:
    for name, served in static_files().items():
        assert served.url.startswith("/static/") and served.sha256[:16] in served.url
        response = await client.get(served.url)
        assert response.status_code == 200, name
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        expected = "text/javascript" if name.endswith(".js") else "text/css"
        assert response.headers["content-type"].startswith(expected)
        digest = hashlib.sha256(response.content).digest()
        assert served.integrity == "sha256-" + base64.b64encode(digest).decode()
        again = await client.get(served.url, headers={"if-none-match": response.headers["etag"]})
        assert again.status_code == 304 and again.content == b""


async def test_unknown_and_stale_static_names_are_not_found(client) -> None:
    current = static_files()["dashboard.js"].name
    stale = current.replace(current.split(".")[1], "0" * 16)
    for name in ("nope.js", stale, "dashboard.js", "..%2Fapp.py"):
        response = await client.get(f"/static/{name}")
        assert response.status_code == 404, name


def test_generated_assets_module_is_up_to_date() -> None:
    if not (ROOT / "node_modules" / "uplot" / "package.json").is_file():
        pytest.skip("node_modules/uplot is not installed (scripts/bootstrap --node)")
    script = ROOT / "scripts" / "build_assets.py"
    spec = importlib.util.spec_from_file_location("build_assets", script)
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert build.main(["--check"]) == 0, "run scripts/build_assets.py"
