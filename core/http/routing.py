"""How the app finds a request's route.

It uses private FastAPI helpers (``_update_scope``, ``_apply_router_form_limits``,
``_mark_routes_changed``): ``tests/http/test_routing.py`` pins them to the FastAPI
version they were read from, so a new pin re-checks them.

FastAPI tries every route in order, a regular expression each: with sixty
routes, a path near the end of the list spent more time being matched than
being served (scripts/bench_pipeline.py). Two changes:

- ``flatten`` adds the routers' routes to the app's own list, instead of nested
  routers that are walked on every request;
- ``index_routes`` looks the candidates up by the first two path segments and
  tries only those, in their original order. Whatever does not match fully
  among them (a 405, a 404, a trailing-slash redirect) goes to FastAPI's own
  router, so those answers are exactly FastAPI's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi import routing as fastapi_routing
from starlette.routing import Match

_DEPTH = 2


def flatten(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Add the routers' routes to the app's own list, in order."""
    for router in routers:
        app.router.routes.extend(router.routes)
    app.router._mark_routes_changed()


def static_key(path: str) -> tuple[str, ...]:
    """A route's leading segments before any parameter, at most two."""
    key: list[str] = []
    for segment in path.strip("/").split("/")[:_DEPTH]:
        if not segment or "{" in segment:
            break
        key.append(segment)
    return tuple(key)


class RouteIndex:
    """Routes by static key; a path's candidates are those under each of its prefixes."""

    def __init__(self, routes: list[Any]) -> None:
        self.routes = routes
        self.size = len(routes)
        self.table: dict[tuple[str, ...], list[tuple[int, Any]]] = {}
        for position, route in enumerate(routes):
            path = getattr(route, "path", None)
            # Anything without a plain path (an included router, a mount) is always tried.
            key = static_key(path) if isinstance(path, str) and path.startswith("/") else ()
            self.table.setdefault(key, []).append((position, route))

    def current(self, routes: list[Any]) -> bool:
        return routes is self.routes and len(routes) == self.size

    def candidates(self, path: str) -> list[Any]:
        parts = path.strip("/").split("/")[:_DEPTH]
        found: list[tuple[int, Any]] = []
        for n in range(len(parts) + 1):
            found.extend(self.table.get(tuple(parts[:n]), ()))
        found.sort(key=lambda entry: entry[0])
        return [route for _, route in found]


def index_routes(app: FastAPI) -> None:
    """Make the app's router try only the routes a path could match."""
    router: Any = app.router
    fallback = router.middleware_stack
    index = RouteIndex(router.routes)

    async def dispatch(scope: Any, receive: Any, send: Any) -> None:
        nonlocal index
        if scope["type"] != "http":
            await fallback(scope, receive, send)
            return
        if not index.current(router.routes):  # routes added after startup (tests do)
            index = RouteIndex(router.routes)
        for route in index.candidates(scope["path"]):
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                # What FastAPI's router does before handing a route the request.
                fastapi_routing._apply_router_form_limits(scope, router.form_limits)
                scope.setdefault("router", router)
                fastapi_routing._update_scope(scope, child_scope)
                await route.handle(scope, receive, send)
                return
        await fallback(scope, receive, send)

    router.middleware_stack = dispatch
