"""The request pipeline, as one small ASGI wrapper around the app.

For every HTTP request it: assigns a request id; makes a CSP nonce; finds the
client (a keyed hash of its address, never the address itself); checks the
body's size and type; applies the default rate limit; adds the security and
RateLimit headers to the response; and turns any error that escapes the app
into the error envelope, with no trace, logged with the request id.

One pure-ASGI class rather than a stack of middleware keeps its cost low: see
``scripts/bench_pipeline.py``.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import (
    AppError,
    DependencyDown,
    PayloadTooLarge,
    UnsupportedMediaType,
    envelope,
)
from core.http import headers as sec
from core.http.context import SCOPE_KEY, RequestContext
from core.runtime import Runtime
from core.security.client import client_ip, hash_ip
from core.security.ratelimit import Policy, enforce

log = logging.getLogger("creator_edge.http")
access_log = logging.getLogger("creator_edge.access")

# (method, path, status, milliseconds, request id): takes the access line's fields
# without a LogRecord when the access logger's one handler is
# ``core.local_logging.BatchedLines`` (``buffer_access_log`` sets it, as ``serve`` does).
AccessSink = Callable[[str, str, int, float, str], None]


class _Access:
    sink: AccessSink | None = None


access = _Access()

_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{8,64}$")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON_AND_FORMS = (
    "application/json",
    "multipart/form-data",
    "application/x-www-form-urlencoded",
)


@dataclass(frozen=True, slots=True)
class BodyRule:
    """Body limits for ``methods`` on paths starting with ``prefix``: the first
    matching rule wins; a request no rule matches may carry no body at all."""

    prefix: str
    max_bytes: int
    content_types: tuple[str, ...] = JSON_AND_FORMS
    methods: frozenset[str] = BODY_METHODS
    exact: bool = False  # the path is ``prefix`` itself

    def matches(self, method: str, path: str) -> bool:
        if method not in self.methods:
            return False
        return path == self.prefix if self.exact else path.startswith(self.prefix)


_NO_BODY = BodyRule("", 0)

# (scope, receive, send, context) -> True when it answered; False, having sent
# nothing, hands the request on to the app (the slow path) unchanged.
FastHandler = Callable[[dict[str, Any], Any, Any, RequestContext], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class FastPath:
    """A GET route answered in the pipeline without the app's routing, for the
    busiest route whose common answer needs none of FastAPI (the cached public
    page). It runs after everything the pipeline does for any request (the body
    check, the default rate limit) and its answer goes through the same header
    and error handling; it must answer exactly as its route in the app does,
    header by header (a test per fast path compares the two), or decline."""

    prefix: str
    handler: FastHandler


class Pipeline:
    def __init__(
        self,
        app: Any,
        *,
        runtime: Runtime,
        default_policy: Policy,
        pepper: bytes,
        client_ip_header: str | None,
        max_body_bytes: int,
        body_rules: Sequence[BodyRule] = (),
        observer: Any = None,
        fast_paths: Sequence[FastPath] = (),
    ) -> None:
        self.app = app
        self.runtime = runtime
        self.default_policy = default_policy
        self.pepper = pepper
        self.ip_header = client_ip_header.lower().encode() if client_ip_header else None
        self.body_rules = (*body_rules, BodyRule("/", max_body_bytes))
        # A ``core.observe.RequestObserver`` (monitoring's server timings), or None.
        self.observer = observer
        self.fast_paths = tuple((p.prefix, p.handler) for p in fast_paths)
        # The keyed hash of each recent client address (one BLAKE2b call saved a request).
        self._client_keys: dict[str | None, str] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        request_id = user_agent = content_type = content_length = None
        chunked = False
        for name, value in headers:
            if name == b"x-request-id" and _REQUEST_ID.match(value):
                request_id = value.decode()
            elif name == b"user-agent":
                user_agent = value.decode("latin-1")
            elif name == b"content-type":
                content_type = value.decode("latin-1")
            elif name == b"content-length":
                content_length = value
            elif name == b"transfer-encoding":
                chunked = True
        ip = client_ip(headers, scope.get("client"), self.ip_header)
        client_key = self._client_keys.get(ip)
        if client_key is None:
            client_key = hash_ip(ip, self.pepper)
            if len(self._client_keys) >= 4096:
                self._client_keys.clear()
            self._client_keys[ip] = client_key
        ctx = RequestContext(
            request_id=request_id or os.urandom(8).hex(),
            ports=self.runtime.ports(scope),
            client_key=client_key,
            user_agent=user_agent,
        )
        scope[SCOPE_KEY] = ctx
        status_holder = [0]

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                message["headers"] = self._response_headers(ctx, message.get("headers", []))
                if self.observer is not None:
                    elapsed = (time.perf_counter() - started_at) * 1000
                    message["headers"].append((b"server-timing", b"app;dur=%.1f" % elapsed))
            await send(message)

        try:
            receive = await self._check_body(scope, receive, content_type, content_length, chunked)
            await enforce(ctx, self.default_policy, ctx.client_key)
            if not await self._fast(scope, receive, send_with_headers, ctx):
                await self.app(scope, receive, send_with_headers)
        except AppError as error:
            if status_holder[0]:
                raise
            await _send_error(
                send_with_headers,
                error.status,
                error.code,
                error.message,
                error.details,
                error.headers,
            )
        except OSError as error:
            # A dependency's I/O failed (a disk, a socket, a timeout): the request
            # could not be served now, which is a 503, not a bug to trace.
            log.warning(
                "dependency unavailable [request_id=%s] %s %s: %s",
                ctx.request_id,
                scope["method"],
                scope["path"],
                type(error).__name__,
            )
            if not status_holder[0]:
                down = DependencyDown()
                await _send_error(send_with_headers, down.status, down.code, down.message, None, {})
        except Exception as error:
            log.exception(
                "unhandled error [request_id=%s] %s %s",
                ctx.request_id,
                scope["method"],
                scope["path"],
            )
            if self.observer is not None:
                self.observer.failed(ctx, scope, error)
            if not status_holder[0]:
                await _send_error(
                    send_with_headers,
                    500,
                    "internal_error",
                    "Something went wrong on our side. It has been logged.",
                    {"request_id": ctx.request_id},
                    {},
                )
        finally:
            if self.observer is not None:
                self.observer.answered(
                    ctx, scope, status_holder[0], (time.perf_counter() - started_at) * 1000
                )
            if access_log.isEnabledFor(logging.INFO):
                sink = access.sink
                if sink is not None:
                    sink(
                        scope["method"],
                        scope["path"],
                        status_holder[0],
                        (time.perf_counter() - started_at) * 1000,
                        ctx.request_id,
                    )
                else:
                    access_log.info(
                        "%s %s %d %.1fms [request_id=%s]",
                        scope["method"],
                        scope["path"],
                        status_holder[0],
                        (time.perf_counter() - started_at) * 1000,
                        ctx.request_id,
                    )

    async def _fast(
        self, scope: dict[str, Any], receive: Any, send: Any, ctx: RequestContext
    ) -> bool:
        if scope["method"] == "GET":
            path: str = scope["path"]
            for prefix, handler in self.fast_paths:
                if path.startswith(prefix):
                    return await handler(scope, receive, send, ctx)
        return False

    async def _check_body(
        self,
        scope: dict[str, Any],
        receive: Any,
        content_type: str | None,
        content_length: bytes | None,
        chunked: bool,
    ) -> Any:
        """Refuse bodies that are too large (413) or of a type the path does not take
        (415), on every method, before anything reads them (the app, or sign-in)."""
        method: str = scope["method"]
        if content_length is None and not chunked and method not in BODY_METHODS:
            return receive  # the common GET: no body, nothing to check
        path: str = scope["path"]
        rule = next(
            (r for r in self.body_rules if r.matches(method, path)),
            _NO_BODY,
        )
        if content_length is not None:
            try:
                declared = int(content_length)
            except ValueError:
                raise AppError(
                    "Content-Length is not a number.", code="bad_content_length"
                ) from None
            if declared > rule.max_bytes:
                raise _too_large(rule)
            replay = None
            has_body = declared > 0
        else:
            # No length given (chunked): read it here, bounded, then hand it on.
            replay = await _read_bounded(receive, rule)
            has_body = bool(replay)
        if has_body:
            media = (content_type or "").split(";", 1)[0].strip().lower()
            if not _accepts(rule.content_types, media):
                raise UnsupportedMediaType(details={"accepted": list(rule.content_types)})
        if replay is None:
            return receive
        sent = False

        async def replay_receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                message: dict[str, Any] = await receive()
                return message
            sent = True
            return {"type": "http.request", "body": replay, "more_body": False}

        return replay_receive

    def _response_headers(
        self, ctx: RequestContext, raw: Sequence[tuple[bytes, bytes]]
    ) -> list[tuple[bytes, bytes]]:
        out = list(raw)
        html = False
        own: set[bytes] | None = None
        for name, value in raw:
            if name == b"content-type":
                html = value.startswith(b"text/html")
            elif name in sec.OVERRIDABLE:
                own = own or set()
                own.add(name)
        if own is None:
            if html:
                out.append((b"content-security-policy", sec.page_csp(ctx.nonce)))
                out.extend(sec.STATIC_AND_CORP)
            else:
                out.extend(sec.DEFAULTS_FOR_API)
        else:
            if b"content-security-policy" not in own:  # a page's own CSP is the usual case
                out.append(
                    (b"content-security-policy", sec.page_csp(ctx.nonce) if html else sec.API_CSP)
                )
            out.extend(_defaults_without(frozenset(own)))
        out.append((b"x-request-id", ctx.request_id.encode()))
        if ctx.policies:
            out.extend(sec.ratelimit_headers(ctx.policies))
        return out


@functools.lru_cache(maxsize=64)
def _defaults_without(own: frozenset[bytes]) -> tuple[tuple[bytes, bytes], ...]:
    """The defaults after the CSP that a response setting ``own`` does not override."""
    return tuple(header for header in sec.STATIC_AND_CORP if header[0] not in own)


def _accepts(accepted: tuple[str, ...], media: str) -> bool:
    if media in accepted:
        return True
    return (
        "application/json" in accepted
        and media.startswith("application/")
        and media.endswith("+json")
    )


def _too_large(rule: BodyRule) -> PayloadTooLarge:
    if rule.max_bytes == 0:
        return PayloadTooLarge(
            "This route takes no request body.", code="body_not_allowed", details={"max_bytes": 0}
        )
    return PayloadTooLarge(details={"max_bytes": rule.max_bytes})


async def _read_bounded(receive: Any, rule: BodyRule) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > rule.max_bytes:
            raise _too_large(rule)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send_error(
    send: Any, status: int, code: str, message: str, details: Any, extra: dict[str, str]
) -> None:
    body = json.dumps(envelope(code, message, details)).encode()
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    raw.extend((k.lower().encode(), v.encode()) for k, v in extra.items())
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
