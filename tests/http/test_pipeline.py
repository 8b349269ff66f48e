"""The pipeline over HTTP: envelope, request id, security and rate-limit headers."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from tests.conftest import CLIENT_IP, make_client


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=20)
    count: int = Field(ge=0)


def add_probe_routes(app) -> None:
    router = APIRouter()

    @router.post("/api/probe/items", status_code=201)
    async def create_item(item: Item) -> dict:
        return item.model_dump()

    @router.get("/api/probe/boom")
    async def boom() -> dict:
        raise RuntimeError("secret internals: /etc/passwd line 3")

    @router.get("/probe/page", response_class=HTMLResponse)
    async def page() -> str:
        return "<!doctype html><title>x</title><p>hello</p>"

    app.include_router(router)


@pytest.fixture
async def probe_client(app):
    add_probe_routes(app)
    async with make_client(app) as c:
        yield c


def assert_security_headers(response) -> None:
    h = response.headers
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert "unsafe-inline" not in h["content-security-policy"]
    assert h["strict-transport-security"] == "max-age=63072000; includeSubDomains; preload"
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in h["permissions-policy"]
    assert h["cross-origin-resource-policy"] == "same-origin"
    assert re.fullmatch(r"[0-9a-f]{16}", h["x-request-id"])
    assert h["ratelimit-policy"] == '"default";q=100;w=60'
    assert re.fullmatch(r'"default";r=\d+;t=\d+', h["ratelimit"])


async def test_health_reports_every_dependency(client) -> None:
    response = await client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["runtime"] == "local"
    assert set(body["dependencies"]) == {"database", "kv", "rate_limit_counter", "blobs"}
    assert body["down"] == []
    assert all(d["status"] == "ok" for d in body["dependencies"].values())
    assert_security_headers(response)


async def test_errors_use_the_envelope(probe_client) -> None:
    malformed = await probe_client.post(
        "/api/probe/items", content=b'{"name": "a",', headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "malformed_json"

    invalid = await probe_client.post("/api/probe/items", json={"name": "a", "count": -1})
    assert invalid.status_code == 422
    error = invalid.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"][0]["field"] == "body.count"
    assert "-1" not in invalid.text  # the submitted value is not echoed

    missing = await probe_client.get("/api/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"

    wrong_method = await probe_client.delete("/api/health")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong_method.headers["allow"]

    for response in (malformed, invalid, missing, wrong_method):
        assert set(response.json()) == {"error"}
        assert set(response.json()["error"]) == {"code", "message", "details"}
        assert_security_headers(response)

    ok = await probe_client.post("/api/probe/items", json={"name": "a", "count": 2})
    assert ok.status_code == 201 and ok.json() == {"name": "a", "count": 2}


@pytest.mark.planted_error
async def test_unhandled_error_is_a_500_envelope_without_trace(probe_client, caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="creator_edge.http"):
        response = await probe_client.get("/api/probe/boom")
    assert response.status_code == 500
    body = response.json()
    assert body["error"]["code"] == "internal_error"
    assert "passwd" not in response.text and "Traceback" not in response.text
    request_id = response.headers["x-request-id"]
    assert body["error"]["details"] == {"request_id": request_id}
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert CLIENT_IP not in caplog.text
    assert_security_headers(response)


async def test_body_too_large_and_wrong_type(probe_client, settings) -> None:
    big = b'{"name": "' + b"a" * settings.max_body_bytes + b'", "count": 1}'
    response = await probe_client.post(
        "/api/probe/items", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"

    async def chunks():  # no Content-Length: the pipeline reads it, bounded
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b" " * 65536

    chunked = await probe_client.post(
        "/api/probe/items", content=chunks(), headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 413

    async def small():
        yield b'{"name": "b", "count": 3}'

    streamed = await probe_client.post(
        "/api/probe/items", content=small(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 201 and streamed.json()["name"] == "b"

    wrong = await probe_client.post(
        "/api/probe/items", content=b"name=a", headers={"content-type": "text/plain"}
    )
    assert wrong.status_code == 415
    assert wrong.json()["error"]["code"] == "unsupported_media_type"


async def test_request_id_is_kept_when_sane_and_replaced_when_not(client) -> None:
    kept = await client.get("/api/health", headers={"x-request-id": "trace-abc-12345"})
    assert kept.headers["x-request-id"] == "trace-abc-12345"
    replaced = await client.get("/api/health", headers={"x-request-id": "<script>"})
    assert replaced.headers["x-request-id"] != "<script>"


async def test_pages_get_a_fresh_nonce_and_api_gets_none(probe_client) -> None:
    first = await probe_client.get("/probe/page")
    second = await probe_client.get("/probe/page")
    nonces = [
        re.search(r"script-src 'nonce-([A-Za-z0-9_-]{22})'", r.headers["content-security-policy"])
        for r in (first, second)
    ]
    assert all(nonces) and nonces[0].group(1) != nonces[1].group(1)
    assert "form-action 'self'" in first.headers["content-security-policy"]
    api = await probe_client.get("/api/health")
    assert api.headers["content-security-policy"].startswith("default-src 'none'")
    assert "nonce" not in api.headers["content-security-policy"]


async def test_openapi_is_served_and_docs_is_the_products_own_page(client) -> None:
    spec = await client.get("/openapi.json")
    assert spec.status_code == 200
    assert "/api/health" in spec.json()["paths"]
    # Not FastAPI's Swagger page (it loads from a CDN): the product's own, bundled.
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower()
    assert "default-src 'none'" in docs.headers["content-security-policy"]
    assert (await client.get("/redoc")).status_code == 404
