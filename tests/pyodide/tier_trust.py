"""Accounts and trust (issue 15) under Pyodide over Miniflare's D1 and KV: emails
sealed by WebCrypto and found by their blind index, a closed account's page gone
and back, the audit chain sealed by the cron and verified, a provider sign-in's
start (state and PKCE in KV), the daily cron's erasure."""

from __future__ import annotations

import itertools
import json
import time
from urllib.parse import parse_qs, urlsplit

import js  # type: ignore[import-not-found]
import pytest
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from tests.pyodide.edge import Worker, rows, worker

PASSWORD = "correct horse battery"


@pytest.fixture
async def edge() -> Worker:
    return await worker()


async def _cron(edge: Worker, cron: str, at: float | None = None) -> dict[str, str]:
    import _tier  # type: ignore[import-not-found]

    controller = to_js(
        {"cron": cron, "scheduledTime": (at or time.time()) * 1000},
        dict_converter=js.Object.fromEntries,
    )
    await edge.default.scheduled(controller, _tier.env, edge.ctx)
    await edge.settle()
    return {r["job"]: r["outcome"] for r in await rows("SELECT job, outcome FROM job_runs")}


async def test_sealed_emails_sign_in_and_a_closed_account_comes_back(edge) -> None:
    ip = "203.0.113.50"
    made = await edge.fetch(
        "POST",
        "/api/auth/register",
        json_body={"email": "Carol@Example.com", "username": "carol", "password": PASSWORD},
        ip=ip,
    )
    assert made.status == 201, made.text
    [stored] = await rows("SELECT email, email_index FROM users")
    assert stored["email"].startswith("e1.k0.") and "example" not in stored["email"]
    login = await edge.fetch(
        "POST",
        "/api/auth/login",
        json_body={"email": "carol@example.com", "password": PASSWORD},
        ip=ip,
    )
    assert login.status == 200, login.text
    assert login.json()["user"]["email"] == "carol@example.com"
    auth = {"authorization": f"Bearer {login.json()['access_token']}"}
    page = await edge.fetch(
        "POST",
        "/api/profiles",
        json_body={"slug": "carol-page", "display_name": "Carol"},
        headers=auth,
        ip=ip,
    )
    assert page.status == 201, page.text
    assert (await edge.fetch("GET", "/p/carol-page")).status == 200

    closed = await edge.fetch(
        "DELETE", "/api/me", json_body={"password": PASSWORD}, headers=auth, ip=ip
    )
    assert closed.status == 204, closed.text
    assert (await edge.fetch("GET", "/p/carol-page")).status == 404
    back = await edge.fetch(
        "POST", "/api/auth/login", json_body={"username": "carol", "password": PASSWORD}, ip=ip
    )
    assert back.status == 200, back.text
    assert (await edge.fetch("GET", "/p/carol-page")).status == 200

    runs = await _cron(edge, "*/5 * * * *")
    assert runs["seal_audit"] == "success"
    chain = await rows("SELECT seq, prev_hash, entry_hash FROM audit_log ORDER BY seq")
    assert chain and all(r["seq"] is not None for r in chain)
    assert all(b["prev_hash"] == a["entry_hash"] for a, b in itertools.pairwise(chain))


async def test_a_provider_sign_in_starts_with_state_and_pkce_in_kv(edge) -> None:
    import _tier  # type: ignore[import-not-found]

    start = await edge.fetch("GET", "/auth/oauth/github/start")
    if start.status == 404:
        pytest.skip("no CREATOR_EDGE_OAUTH_GITHUB in the tier's env")
    assert start.status == 302, start.text
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    entry = await _tier.env.KV.get("oauth:state:" + query["state"][0])
    assert json.loads(str(entry))["provider"] == "github"
    wrong = await edge.fetch("GET", "/auth/oauth/github/callback?code=x&state=forged")
    assert wrong.status == 400 and "did not start here" in wrong.text


async def test_the_daily_cron_erases_an_account_past_its_grace(edge) -> None:
    ip = "203.0.113.51"
    made = await edge.fetch(
        "POST",
        "/api/auth/register",
        json_body={"email": "dan@example.com", "username": "danny", "password": PASSWORD},
        ip=ip,
    )
    auth = {"authorization": f"Bearer {made.json()['access_token']}"}
    closed = await edge.fetch(
        "DELETE", "/api/me", json_body={"password": PASSWORD}, headers=auth, ip=ip
    )
    assert closed.status == 204, closed.text
    runs = await _cron(edge, "30 3 * * *", at=time.time() + 31 * 86400)
    assert runs["erase_closed_accounts"] == "success", runs
    assert runs["purge_audit"] == "success" and runs["reencrypt_personal_data"] == "success"
    assert await rows("SELECT id FROM users") == []
