"""``HttpClient`` over the Workers ``fetch``, and ``Defer`` over ``waitUntil``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable, Mapping
from typing import Any

from core.ports import HttpError, HttpResponse
from worker import interop

log = logging.getLogger("creator_edge.edge")


class FetchHttpClient:
    """The ``HttpClient`` port over ``fetch``, each call bounded by ``AbortSignal.timeout``.

    Redirects are returned, not followed, as the local httpx client does. There are
    no retries at this layer: callers that retry do so with backoff (and each
    attempt counts toward the Worker's subrequest limit).
    """

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        timeout: float = 10.0,
    ) -> HttpResponse:
        ffi = interop.js_interop()
        init = fetch_init(method, headers, timeout)
        init["signal"] = ffi.js.AbortSignal.timeout(init.pop("timeout_ms"))
        if body is not None:
            init["body"] = ffi.to_js(bytes(body))
        try:
            response = await ffi.js.fetch(url, interop.js_object(init, ffi))
            # The signal bounds reading the body too, not just the headers.
            data = interop.to_bytes(await response.arrayBuffer())
        except Exception as exc:
            raise HttpError(f"{method} {url}: {interop.error_text(exc)}") from exc
        return HttpResponse(
            status=int(response.status), headers=header_dict(response.headers), body=data
        )


def fetch_init(method: str, headers: Mapping[str, str] | None, timeout: float) -> dict[str, Any]:
    """The ``RequestInit`` fields that need no JS: method, headers, redirect, timeout."""
    return {
        "method": method.upper(),
        "headers": {str(k): str(v) for k, v in (headers or {}).items()},
        "redirect": "manual",
        "timeout_ms": max(1, round(timeout * 1000)),
    }


def header_dict(pairs: Iterable[Any]) -> dict[str, str]:
    """A JS ``Headers`` (iterable of ``[name, value]``) as a dict with lower-case names."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, value = pair[0], pair[1]
        out[str(name).lower()] = str(value)
    return out


class WaitUntilDefer:
    """The ``Defer`` port: the work runs as a task the runtime waits for after the
    response (``ctx.waitUntil``, or the SDK's ``wait_until`` when there is no ctx)."""

    def __init__(self, ctx: Any = None) -> None:
        self._ctx = ctx

    def __call__(self, work: Awaitable[None]) -> None:
        ffi = interop.js_interop()
        task = asyncio.ensure_future(_logged(work))
        # waitUntil takes a JS promise: a proxy of the task is a thenable JS accepts.
        proxy = ffi.create_proxy(task)
        self._wait_until()(proxy)
        task.add_done_callback(lambda _: _destroy(proxy))

    def _wait_until(self) -> Any:
        if self._ctx is not None:
            return self._ctx.waitUntil
        from workers import wait_until  # type: ignore[import-not-found]

        return wait_until


async def _logged(work: Awaitable[None]) -> None:
    try:
        await work
    except Exception:
        log.exception("deferred work failed")


def _destroy(proxy: Any) -> None:
    destroy = getattr(proxy, "destroy", None)
    if callable(destroy):
        destroy()
