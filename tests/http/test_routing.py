"""The route index: every route stays reachable, in FastAPI's order, with FastAPI's
own answers for what matches no route fully."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from core.http.routing import RouteIndex, static_key


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "X1", path)


async def test_every_product_route_is_a_candidate_for_its_own_paths(app) -> None:
    routes = list(app.router.routes)
    index = RouteIndex(routes)
    for route in routes:
        if isinstance(route, APIRoute):
            candidates = index.candidates(concrete(route.path))
            assert route in candidates, route.path
            # Candidates keep the order FastAPI would try them in.
            positions = [routes.index(c) for c in candidates]
            assert positions == sorted(positions)


def test_static_keys() -> None:
    assert static_key("/api/profiles/{id}/links") == ("api", "profiles")
    assert static_key("/p/{slug}") == ("p",)
    assert static_key("/{anything}") == ()
    assert static_key("/openapi.json") == ("openapi.json",)


async def test_unmatched_paths_get_fastapis_own_answers(client) -> None:
    assert (await client.get("/api/health")).status_code == 200
    assert (await client.get("/api/nothing")).status_code == 404
    wrong = await client.put("/api/health")
    assert wrong.status_code == 405 and "GET" in wrong.headers["allow"]
    assert (await client.get("/p/")).status_code == 404


async def test_routes_added_after_startup_are_found(app, client) -> None:
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/api/later/{thing}")
    async def later(thing: str) -> dict:
        return {"thing": thing}

    assert (await client.get("/api/later/a")).status_code == 404
    app.include_router(router)
    response = await client.get("/api/later/a")
    assert response.status_code == 200 and response.json() == {"thing": "a"}


def test_the_private_fastapi_helpers_it_uses_are_those_of_the_pinned_version() -> None:
    """``core.http.routing`` replays what FastAPI's router does before a route handles
    a request, through private helpers (no public API hands a matched route its scope:
    form limits and FastAPI's own scope key). They are checked against this FastAPI
    version only: a new pin must re-read ``fastapi.routing`` (APIRouter.app, the
    helpers below) and update this test with what was checked."""
    import inspect
    import tomllib
    from pathlib import Path

    import fastapi
    from fastapi import routing

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    pinned = [d for d in pyproject["project"]["dependencies"] if d.startswith("fastapi==")]
    assert pinned == [f"fastapi=={fastapi.__version__}"] == ["fastapi==0.165.0"], (
        "FastAPI moved: re-check core/http/routing.py against its router, then this test"
    )
    assert list(inspect.signature(routing._update_scope).parameters) == ["scope", "child_scope"]
    assert list(inspect.signature(routing._apply_router_form_limits).parameters) == [
        "scope",
        "limits",
    ]
    assert callable(routing.APIRouter._mark_routes_changed)
    assert "form_limits" in inspect.signature(routing.APIRouter.__init__).parameters or hasattr(
        routing.APIRouter(), "form_limits"
    )
