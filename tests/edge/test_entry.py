"""The edge runtime's wiring and settings, over the binding stand-ins. The entry's request
path and cron triggers end to end run under Pyodide over Miniflare's real
bindings: tests/pyodide/tier_entry.py.
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from core.clock import FrozenClock
from tests.edge.jsfakes import JsObject
from tests.edge.standin import KVNamespace, RateLimit
from worker.bindings import EdgeRuntime, cf_facts, settings_from_env

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"CREATOR_EDGE_SECRET_KEY": "k" * 32, "CREATOR_EDGE_IP_PEPPER": "p" * 32}
VARS = {"CREATOR_EDGE_CLIENT_IP_HEADER": "CF-Connecting-IP", "CREATOR_EDGE_RATE_LIMIT": "100"}


@pytest.fixture
def env() -> types.SimpleNamespace:
    """An ``env`` with the bindings and vars of ``wrangler.toml``: D1 and R2 are only
    held here, so plain objects stand for them; KV and the rate limiters are stand-ins."""
    clock = FrozenClock(1_790_000_010.0)
    return types.SimpleNamespace(
        DB=object(),
        KV=KVNamespace(clock),
        BUCKET=object(),
        RL_DEFAULT=RateLimit(100, 60, clock),
        RL_AUTH=RateLimit(5, 60, clock),
        **SECRETS,
        **VARS,
    )


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
