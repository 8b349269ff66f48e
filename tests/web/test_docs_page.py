"""The API reference (/docs): Swagger UI bundled at build time and served by
the product itself under its CSP (scripts by nonce, with integrity), with no
outside URL; the OpenAPI document gives request bodies with examples."""

from __future__ import annotations

import base64
import hashlib
import re

from core.home import docs_assets


async def test_the_docs_page_loads_bundled_swagger_ui_by_nonce(client) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    scripts = re.findall(r'<script nonce="([^"]+)" src="([^"]+)" integrity="([^"]+)"', page.text)
    assert {s[1].split(".")[0] for s in scripts} == {"/docs/assets/swagger-ui", "/docs/assets/docs"}
    assert all(s[0] == nonce for s in scripts)
    assert "https://" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', page.text))
    for _, src, integrity in scripts:
        body = await client.get(src)
        assert body.status_code == 200
        assert body.headers["cache-control"] == "public, max-age=31536000, immutable"
        digest = hashlib.sha256(body.content).digest()

        assert integrity == "sha256-" + base64.b64encode(digest).decode()
    assert (await client.get("/docs/assets/swagger-ui.000000000000.js")).status_code == 404


def test_the_bundle_sends_nothing_elsewhere() -> None:
    starter = base64_text(docs_assets.FILES["docs.js"][2])
    assert "validatorUrl: null" in starter and "http" not in starter


def base64_text(encoded: str) -> str:

    return base64.b64decode(encoded).decode()


async def test_request_bodies_have_examples(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    for name in ("LoginIn", "RegisterIn", "MePatch", "ProfileIn", "LinkIn", "LinkOrderIn"):
        assert schemas[name].get("examples"), name
    login = spec["paths"]["/api/auth/login"]["post"]["requestBody"]["content"]["application/json"]
    assert login["schema"]["$ref"].endswith("/LoginIn")
    assert {"login", "email", "username", "password"} <= set(schemas["LoginIn"]["properties"])


async def test_the_favicon_answers_on_both_names(client) -> None:
    for path in ("/favicon.ico", "/favicon.svg"):
        icon = await client.get(path)
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
        assert icon.text.startswith("<svg")
