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
