"""The home page (``GET /``): what the product is, and the way in.

A visitor is led to create an account or sign in; a signed-in person (cookie
session) to the editor, the dashboard and their account. A page, not API: it
stays out of the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from core.identity import Actor, optional_actor
from core.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home_page(request: Request, actor: Actor | None = Depends(optional_actor)) -> Response:
    return render(request, "home.html", signed_in=actor is not None)
