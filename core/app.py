"""``create_app``: the one ASGI app every runtime serves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from core import deps
from core.analytics.dashboard import router as dashboard_router
from core.analytics.models import MAX_BATCH_BYTES
from core.analytics.routes import router as analytics_router
from core.assets.routes import router as assets_router
from core.assets.routes import upload_body_rule
from core.assets.serve import router as asset_files
from core.errors import NotFound
from core.github.routes import router as github_router
from core.http import errors
from core.http.pipeline import BODY_METHODS, BodyRule, Pipeline
from core.http.routing import flatten, index_routes
from core.identity.admin_routes import router as admin_router
from core.identity.pages import router as identity_pages
from core.identity.routes import router as identity_router
from core.monitoring.health import router as health_router
from core.ports import Ports
from core.profiles.pages import router as profile_pages
from core.profiles.public import router as profile_public
from core.profiles.routes import router as profiles_router
from core.runtime import Runtime
from core.security.ratelimit import Policy
from core.settings import Settings
from core.web.home import router as home_page

VERSION = "0.1.0"

# Every feature's router, in the order their paths should match.
ROUTERS: Sequence[APIRouter] = (
    # The public profile page and link redirect first: the busiest paths match
    # without trying every other route (FastAPI matches in order).
    profile_public,
    health_router,
    identity_router,
    admin_router,
    identity_pages,
    analytics_router,
    profiles_router,
    profile_pages,
    github_router,
    dashboard_router,
    assets_router,
    asset_files,
    home_page,
)
# Paths that take bodies other than the default JSON or form of at most max_body_bytes;
# a rule whose limit is a setting is given as a function of the settings.
BODY_RULES: Sequence[BodyRule | Callable[[Settings], BodyRule]] = (
    # The analytics beacon: navigator.sendBeacon posts text/plain (no preflight).
    BodyRule("/api/collect", MAX_BATCH_BYTES, ("application/json", "text/plain")),
    # Uploads: multipart only, at most CREATOR_EDGE_MAX_UPLOAD_BYTES plus framing.
    upload_body_rule,
)


class ConfigurationError(RuntimeError):
    """The settings cannot run the product (a required secret is missing)."""


def create_app(settings: Settings, runtime: Runtime) -> FastAPI:
    """The product's ASGI app over ``runtime``'s ports. Does no I/O."""
    if settings.ip_pepper is None or settings.secret_key is None:
        raise ConfigurationError("CREATOR_EDGE_SECRET_KEY and CREATOR_EDGE_IP_PEPPER must be set")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.startup()
        try:
            yield
        finally:
            await runtime.shutdown()

    app = FastAPI(
        title="creator-edge",
        version=VERSION,
        summary="Link-in-bio profiles, analytics, monitoring, releases and content at the edge.",
        lifespan=lifespan,
        # The hosted docs pages load scripts from a CDN, which the CSP forbids.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.runtime = runtime
    errors.install(app)
    flatten(app, [*ROUTERS, *((_dev_router(),) if settings.dev else ())])
    index_routes(app)
    app.add_middleware(
        Pipeline,  # type: ignore[arg-type]
        runtime=runtime,
        default_policy=Policy("default", settings.rate_limit, settings.rate_window),
        pepper=settings.ip_pepper.get_secret_value().encode(),
        client_ip_header=settings.client_ip_header,
        max_body_bytes=settings.max_body_bytes,
        body_rules=[
            *(r if isinstance(r, BodyRule) else r(settings) for r in BODY_RULES),
            *_bodies_on_other_methods(app, settings.max_body_bytes),
        ],
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
        from core.jobs import run_cron
        from core.jobs.schedule import SCHEDULE

        if cron not in SCHEDULE:
            raise NotFound(f"No schedule is named {cron!r}.", details={"crons": list(SCHEDULE)})
        outcomes = await run_cron(cron, ports, request.app.state.settings)
        return JSONResponse({"cron": cron, "jobs": [asdict(o) for o in outcomes]})

    return router
