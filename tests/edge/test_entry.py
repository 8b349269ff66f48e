"""The Worker entry and the edge runtime, end to end over the binding stand-ins.

``workers`` and ``asgi`` exist only inside the Workers runtime, so these tests put
small fakes of them in ``sys.modules`` for the import of ``worker.entry``. The
fake bridge builds the scope as the SDK's does: ``scope["env"]`` is the env it is
given, and there is no ``client`` and no ``cf``.
"""

from __future__ import annotations

import importlib
import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.clock import FrozenClock
from tests.edge.jsfakes import JsObject, patched_interop
from tests.edge.standin import StandinEnv
from worker.bindings import EdgeRuntime, cf_facts, settings_from_env

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"CREATOR_EDGE_SECRET_KEY": "k" * 32, "CREATOR_EDGE_IP_PEPPER": "p" * 32}
VARS = {"CREATOR_EDGE_CLIENT_IP_HEADER": "CF-Connecting-IP", "CREATOR_EDGE_RATE_LIMIT": "100"}


class WorkerEntrypoint:
    def __init__(self, ctx, env) -> None:
        self.ctx, self.env = ctx, env


async def bridge_fetch(app, request, env):
    """What ``asgi.fetch`` does with the request, minus the JS Response."""
    scope = {
        "type": "http",
        "asgi": {"spec_version": "2.0", "version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "https",
        "path": request.path,
        "raw_path": request.path.encode(),
        "query_string": b"",
        "headers": [(b"cf-connecting-ip", b"203.0.113.9"), (b"user-agent", b"test")],
        "env": env,
    }
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict((k.decode(), v.decode()) for k, v in start["headers"]), body


class Ctx:
    def __init__(self) -> None:
        self.waited: list = []

    def waitUntil(self, promise) -> None:
        self.waited.append(promise)


@pytest.fixture
def entry(monkeypatch) -> Iterator[types.ModuleType]:
    monkeypatch.setitem(
        sys.modules, "workers", types.SimpleNamespace(WorkerEntrypoint=WorkerEntrypoint)
    )
    monkeypatch.setitem(sys.modules, "asgi", types.SimpleNamespace(fetch=bridge_fetch))
    monkeypatch.delitem(sys.modules, "worker.entry", raising=False)
    with patched_interop():
        yield importlib.import_module("worker.entry")
    sys.modules.pop("worker.entry", None)


@pytest.fixture
def env(tmp_path) -> StandinEnv:
    env = StandinEnv(tmp_path, FrozenClock(1_790_000_010.0), **SECRETS, **VARS)
    for migration in sorted((ROOT / "d1_migrations").glob("*.sql")):
        env.DB.conn.executescript(migration.read_text())
    return env


def js_request(path: str, cf: dict | None = None):
    js = types.SimpleNamespace(
        method="GET",
        path=path,
        url=f"https://x.dev{path}",
        cf=JsObject(cf) if cf is not None else None,
    )
    return types.SimpleNamespace(js_object=js)


async def test_a_request_reaches_the_app_over_the_bindings(entry, env) -> None:
    worker = entry.Default(Ctx(), env)
    status, headers, body = await worker.fetch(js_request("/api/health", {"country": "NL"}))
    assert status == 200, body
    report = json.loads(body)
    assert report["runtime"] == "edge"
    assert {d["status"] for d in report["dependencies"].values()} == {"ok"}
    assert env.RL_DEFAULT.calls == 1  # the default policy went to the Rate Limiting binding
    assert "ratelimit" in headers
    app, runtime = entry._app(env)
    await worker.fetch(js_request("/api/health"))
    assert entry._app(env) == (app, runtime)  # built once an isolate


async def test_a_cron_trigger_runs_its_jobs_over_the_bindings(entry, env) -> None:
    worker, ctx = entry.Default(Ctx(), env), Ctx()
    controller = types.SimpleNamespace(cron="*/5 * * * *", scheduledTime=1_790_000_100_000)
    await worker.scheduled(controller, env, ctx)
    runs = dict(env.DB.conn.execute("SELECT job, outcome FROM job_runs").fetchall())
    assert runs["health_checks"] == "success"
    assert set(runs.values()) == {"success"}
    report = json.loads(env.KV.entries["health:last"][0])
    assert {d["status"] for d in report["dependencies"].values()} == {"ok"}


def test_the_runtime_wraps_the_bindings_of_each_request(env) -> None:
    runtime = EdgeRuntime(settings_from_env(env))
    assert runtime.name == "edge"
    first, second = runtime.ports({"env": env}), runtime.ports({"env": env})
    assert first.db is not second.db  # made per request: they hold only the binding
    # Beneath the fallback a failing KV falls back to (core.resilience):
    edge_first, edge_second = first.counter.primary, second.counter.primary
    assert edge_first._tally is edge_second._tally  # the tally lives with the isolate
    assert set(edge_first._limiters) == {(100, 60), (5, 60)}


def test_request_facts_come_from_the_entry(env) -> None:
    from worker.bindings import EdgeEnv

    cf = JsObject(
        {
            "country": "NL",
            "city": "Utrecht",
            "latitude": 52.09,
            "asn": 1136,
            "colo": "AMS",
            "tlsVersion": "TLSv1.3",
        }
    )
    facts = cf_facts(cf)
    assert facts == {
        "country": "NL",
        "city": "Utrecht",
        "latitude": "52.09",
        "asn": "1136",
        "colo": "AMS",
    }
    assert cf_facts(None) == {}
    runtime = EdgeRuntime(settings_from_env(env))
    wrapped = EdgeEnv(env, facts)
    assert runtime.request_facts({"env": wrapped}) == facts
    assert wrapped.DB is env.DB


def test_settings_come_from_vars_and_secrets(env) -> None:
    settings = settings_from_env(env)
    assert settings.client_ip_header == "CF-Connecting-IP"
    assert settings.secret_key is not None and settings.secret_key.get_secret_value() == "k" * 32
    assert settings.rate_limit == 100

    bare = types.SimpleNamespace(CREATOR_EDGE_RATE_WINDOW=10, CREATOR_EDGE_DEV=True)
    settings = settings_from_env(bare)  # TOML numbers and booleans arrive as JS values
    assert (settings.rate_window, settings.dev) == (10, True)
    assert settings.client_ip_header == "CF-Connecting-IP"  # the edge default
