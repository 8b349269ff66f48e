"""How the app holds its routes.

FastAPI tries routes in order. ``include_router`` keeps each router as a nested
candidate that is walked on every request; adding the routers' routes to the
app's own list (the same routes, the same order) skips that walk, about 10%
of a request near the end of the list (see scripts/bench_pipeline.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, FastAPI


def flatten(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Add the routers' routes to the app's own list, in order."""
    for router in routers:
        app.router.routes.extend(router.routes)
    app.router._mark_routes_changed()
