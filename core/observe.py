"""What the pipeline tells an observer about each request: its route, status and
duration once it is answered, and the exception when it failed with a 500.

The pipeline sits in the shared kernel and cannot import monitoring, which
records these (server timings, server exceptions): monitoring provides a
``RequestObservers`` (``Feature.provides``) and ``create_app`` makes one
observer per app from it. An observer must be cheap and must not raise or
write on the request path: it buffers, and writes after the response."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from core.http.context import RequestContext


@runtime_checkable
class RequestObserver(Protocol):
    def answered(
        self, ctx: RequestContext, scope: dict[str, Any], status: int, duration_ms: float
    ) -> None:
        """The request was answered with ``status`` after ``duration_ms``."""
        ...

    def failed(self, ctx: RequestContext, scope: dict[str, Any], error: BaseException) -> None:
        """The request ended in an unhandled exception (the 500 path)."""
        ...


@runtime_checkable
class RequestObservers(Protocol):
    def create(self, runtime_name: str) -> RequestObserver:
        """A new observer for one app."""
        ...
