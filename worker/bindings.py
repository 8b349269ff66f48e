"""The edge's public surface: the binding adapters, the edge runtime and its settings.

``EdgeRuntime.ports(scope)`` wraps the bindings in ``scope["env"]`` into the core
ports on every request; the wrappers hold no state beyond the binding, so this
is cheap. What must outlive a request (the rate-limit tally, the HTTP client)
lives on the runtime, one per isolate.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

from core.clock import SystemClock
from core.ports import Ports
from core.resilience import FallbackCounter, TolerantKeyValue
from core.settings import ENV_NAMES, Settings
from worker import interop
from worker.ai import VectorizeIndex, WorkersAiEmbeddings, WorkersAiGenerator
from worker.crypto import WebCryptoKdf
from worker.d1 import D1Database
from worker.fetch import FetchHttpClient, WaitUntilDefer
from worker.kv import EdgeCounter, KVKeyValue, Tally
from worker.r2 import R2BlobStore

__all__ = [
    "RATE_LIMIT_BINDINGS",
    "D1Database",
    "EdgeCounter",
    "EdgeEnv",
    "EdgeRuntime",
    "FetchHttpClient",
    "KVKeyValue",
    "R2BlobStore",
    "WaitUntilDefer",
    "cf_facts",
    "settings_from_env",
]

# The Workers Rate Limiting bindings in wrangler.toml and the (limit, period)
# each is configured with there: the binding cannot report its own.
RATE_LIMIT_BINDINGS: dict[str, tuple[int, int]] = {
    "RL_DEFAULT": (100, 60),  # every route, per client
    "RL_AUTH": (5, 60),  # sign-in (per client and per account), sign-up, AI drafts
    "RL_30": (30, 60),  # token refresh, uploads
    "RL_COLLECT": (120, 60),  # the analytics beacon
}

# request.cf fields passed on to the app, all as strings.
CF_FIELDS = (
    "country",
    "city",
    "region",
    "regionCode",
    "continent",
    "postalCode",
    "timezone",
    "latitude",
    "longitude",
    "asn",
    "colo",
)
EDGE_CLIENT_IP_HEADER = "CF-Connecting-IP"


class EdgeEnv:
    """The Worker's ``env`` with this request's ``cf`` facts and ``ctx`` beside it.

    The ASGI bridge puts whatever env it is given in ``scope["env"]`` and nothing
    of ``request.cf``, so the entry passes the facts on this way."""

    __slots__ = ("_env", "cf", "ctx")

    def __init__(self, env: Any, cf: dict[str, str] | None = None, ctx: Any = None) -> None:
        self._env = env
        self.cf = cf or {}
        self.ctx = ctx

    def __getattr__(self, name: str) -> Any:
        return getattr(self._env, name)


def cf_facts(cf: Any) -> dict[str, str]:
    """The geo facts of ``request.cf`` (absent under ``wrangler dev`` and in tests)."""
    if cf is None:
        return {}
    facts = {}
    for name in CF_FIELDS:
        value = getattr(cf, name, None)
        if value is not None and not _undefined(value):
            facts[name] = str(value)
    return facts


class EdgeRuntime:
    """``core.runtime.Runtime`` at the edge: ports over the bindings of each request."""

    name = "edge"

    def __init__(
        self,
        settings: Settings,
        rate_limit_bindings: dict[str, tuple[int, int]] | None = None,
    ) -> None:
        self.settings = settings
        self._rate_limit_bindings = (
            RATE_LIMIT_BINDINGS if rate_limit_bindings is None else rate_limit_bindings
        )
        self._tally = Tally()
        self._http = FetchHttpClient()
        self._clock = SystemClock()
        self._kdf = WebCryptoKdf()

    def ports(self, scope: MutableMapping[str, Any]) -> Ports:
        return self.ports_for(scope["env"])

    def ports_for(self, env: Any, ctx: Any = None) -> Ports:
        """The ports over ``env``'s bindings: for a request, or for a cron run with its ctx."""
        kv = KVKeyValue(env.KV)
        limiters = {}
        for name, shape in self._rate_limit_bindings.items():
            binding = getattr(env, name, None)
            if binding is not None:
                limiters[shape] = binding
        # A failing KV reads as a miss and the limits fall back to this request's
        # own count (the Rate Limiting bindings still hold): degraded, not a 500.
        return Ports(
            db=D1Database(env.DB),
            kv=TolerantKeyValue(kv, self._clock),
            counter=FallbackCounter(EdgeCounter(kv, limiters, self._tally), self._clock),
            blobs=R2BlobStore(env.BUCKET),
            clock=self._clock,
            http=self._http,
            defer=WaitUntilDefer(ctx if ctx is not None else getattr(env, "ctx", None)),
            kdf=self._kdf,
            # Content's AI services, where the bindings are configured ([ai], [[vectorize]]).
            **ai_ports(env),
        )

    def request_facts(self, scope: MutableMapping[str, Any]) -> dict[str, str]:
        """This request's ``request.cf`` geo facts, as the entry passed them on."""
        return dict(getattr(scope.get("env"), "cf", None) or {})

    # The bridge runs the ASGI lifespan around every request: these stay free.
    async def startup(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def settings_from_env(env: Any) -> Settings:
    """Settings from the Worker's ``[vars]`` and secrets, by each field's variable name."""
    values: dict[str, str] = {}
    for name in ENV_NAMES.values():
        value = getattr(env, name, None)
        if value is None or _undefined(value):
            continue
        # [vars] may hold TOML numbers and booleans, which arrive as JS values.
        values[name] = value if isinstance(value, str) else json.dumps(value)
    overrides: dict[str, object] = {}
    if ENV_NAMES["client_ip_header"] not in values:
        overrides["client_ip_header"] = EDGE_CLIENT_IP_HEADER
    return Settings.from_env(values, **overrides)


def _undefined(value: Any) -> bool:
    # JS null is ``jsnull`` on recent Pyodide; the type name is checked first so
    # this also runs under CPython, where there is no FFI to ask.
    if type(value).__name__ == "JsNull":
        return True
    try:
        jsnull = interop.js_interop().jsnull
    except ImportError:
        return False
    return jsnull is not None and value is jsnull


def ai_ports(env: Any) -> dict[str, Any]:
    """The Workers AI binding's generator and embeddings, and the Vectorize index."""
    found: dict[str, Any] = {}
    ai = getattr(env, "AI", None)
    if ai is not None:
        found["text"] = WorkersAiGenerator(ai)
        vectors = getattr(env, "VECTORS", None)
        if vectors is not None:
            found["embeddings"] = WorkersAiEmbeddings(ai)
            found["vectors"] = VectorizeIndex(vectors)
    return found
