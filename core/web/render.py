"""Render a page: Jinja2 with autoescaping, templates kept in Python modules so
the worker bundle carries them as code, and the response's CSP nonce."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import DictLoader, Environment, select_autoescape

from core.errors import Forbidden
from core.http.context import request_context
from core.web import templates


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=DictLoader(templates.TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        auto_reload=False,
    )


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    ctx = request_context(request.scope)
    html = environment().get_template(name).render(nonce=ctx.nonce, **context)
    return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})


def check_origin(request: Request) -> None:
    """State-changing form posts must come from this site's own pages."""
    expected = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        origin = None if referer is None else "{0.scheme}://{0.netloc}".format(urlsplit(referer))
    if origin != expected:
        raise Forbidden("This form must be sent from this site.", code="bad_origin")


def safe_next(target: str | None, default: str = "/account") -> str:
    """A same-site path to go to after a form, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
