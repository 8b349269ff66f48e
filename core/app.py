"""``create_app``: the one ASGI app every runtime serves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any, cast

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.types import ASGIApp

from core import deps, feature
from core.errors import NotFound
from core.feature import Feature
from core.features import FEATURES, SCHEDULE, run_cron
from core.http import errors
from core.http.pipeline import BODY_METHODS, BodyRule, Pipeline
from core.http.routing import flatten, index_routes
from core.observe import RequestObservers
from core.ports import Ports
from core.runtime import Runtime
from core.security.ratelimit import Policy
from core.settings import Settings
from core.web.render import environment, page_files

VERSION = "0.1.0"


class ConfigurationError(RuntimeError):
    """The settings cannot run the product (a required secret is missing)."""


class App(FastAPI):
    """FastAPI with the request pipeline outermost: a request meets the pipeline
    first, and a ``FastPath`` answers there without FastAPI's own layers.

    Starlette's ``ServerErrorMiddleware`` is left out: the pipeline turns every
    exception into the API's envelope before it would see one, and no handler
    for 500 is installed, so it never answered anything."""

    pipeline: dict[str, Any] | None = None

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        if self.pipeline is None:
            return stack
        if isinstance(stack, ServerErrorMiddleware):
            stack = stack.app
        # The pipeline takes the scope as a dict, which every server passes.
        return cast(ASGIApp, Pipeline(stack, **self.pipeline))


def create_app(
    settings: Settings, runtime: Runtime, features: Sequence[Feature] = FEATURES
) -> FastAPI:
    """The app of ``features`` (the product's, by default) over ``runtime``'s ports.
    Does no I/O."""
    if settings.ip_pepper is None or settings.secret_key is None:
        raise ConfigurationError("CREATOR_EDGE_SECRET_KEY and CREATOR_EDGE_IP_PEPPER must be set")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.startup()
        try:
            yield
        finally:
            await runtime.shutdown()

    app = App(
        title="creator-edge",
        version=VERSION,
        summary="Link-in-bio profiles, analytics, monitoring, releases and content at the edge.",
        lifespan=lifespan,
        # The hosted docs pages load scripts from a CDN, which the CSP forbids.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        # The product exports no OpenTelemetry: without this FastAPI asks the
        # global providers whether anything listens, on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.features = tuple(features)
    app.state.pages = environment(page_files(features))
    errors.install(app)
    routers = [router for f in features for router in f.routers]
    flatten(app, [*routers, *((_dev_router(),) if settings.dev else ())])
    index_routes(app)
    observers = feature.provided(features, RequestObservers)  # type: ignore[type-abstract]
    app.state.request_observer = observers.create(runtime.name) if observers else None
    app.pipeline = dict(
        runtime=runtime,
        default_policy=Policy("default", settings.rate_limit, settings.rate_window),
        pepper=settings.ip_pepper.get_secret_value().encode(),
        client_ip_header=settings.client_ip_header,
        max_body_bytes=settings.max_body_bytes,
        body_rules=[
            *feature.body_rules(features, settings),
            *_bodies_on_other_methods(app, settings.max_body_bytes),
        ],
        observer=app.state.request_observer,
        fast_paths=[path for f in features for path in f.fast_paths],
    )
    return app


def _bodies_on_other_methods(app: FastAPI, max_bytes: int) -> list[BodyRule]:
    """A rule for each route that takes a body on a method other than POST, PUT or
    PATCH (``DELETE /api/me`` takes the password): every other such request with a
    body is refused before it is read."""
    rules = []
    for route in app.router.routes:
        if isinstance(route, APIRoute) and route.body_field is not None:
            methods = frozenset(route.methods or ()) - BODY_METHODS
            if methods:
                static = "{" not in route.path
                prefix = route.path.split("{", 1)[0]
                rules.append(BodyRule(prefix, max_bytes, methods=methods, exact=static))
    return rules


def _dev_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/__scheduled")
    async def fire_schedule(
        request: Request,
        cron: str = Query(min_length=9, max_length=64),
        ports: Ports = Depends(deps.ports),
    ) -> JSONResponse:
        """Dev mode only: run one cron's jobs now, as ``wrangler dev --test-scheduled``."""
        if cron not in SCHEDULE:
            raise NotFound(f"No schedule is named {cron!r}.", details={"crons": list(SCHEDULE)})
        outcomes = await run_cron(cron, ports, request.app.state.settings)
        return JSONResponse({"cron": cron, "jobs": [asdict(o) for o in outcomes]})

    return router
