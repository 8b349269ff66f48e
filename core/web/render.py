"""Render a page: Jinja2 with autoescaping over the features' page files, one
layout (``base.html``) with the product's navigation, and the response's CSP nonce.

The templates are files (``core/<feature>/templates/*.html``); the worker bundle
carries Python modules only, so ``scripts/build_assets.py`` builds each
feature's files into its ``page_files`` module, and the loader reads those: the
same text locally and at the edge, with no filesystem to assume."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import DictLoader, Environment, select_autoescape

from core.analytics import page_files as analytics_files
from core.errors import Forbidden
from core.http.context import request_context
from core.identity import page_files as identity_files
from core.profiles import page_files as profiles_files
from core.web import page_files as web_files

# The page files of every feature with pages: one name space, checked unique.
PAGE_FILES = (web_files.FILES, identity_files.FILES, profiles_files.FILES, analytics_files.FILES)

# What the layout's navigation offers: to a visitor, signing in or up; to a
# signed-in person, their pages. (The public profile page is the creator's,
# not the product's: it has no part of this layout.)
SIGNED_OUT_NAV: tuple[tuple[str, str], ...] = (
    ("/login", "Sign in"),
    ("/register", "Create an account"),
)
SIGNED_IN_NAV: tuple[tuple[str, str], ...] = (
    ("/editor", "Editor"),
    ("/dashboard", "Dashboard"),
    ("/account", "Account"),
)


@functools.lru_cache(maxsize=1)
def page_files() -> dict[str, str]:
    """Every feature's page files (templates and scripts) by name."""
    merged: dict[str, str] = {}
    for files in PAGE_FILES:
        clash = merged.keys() & files.keys()
        if clash:
            raise RuntimeError(f"two features name the page file {sorted(clash)}")
        merged.update(files)
    return merged


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=DictLoader(page_files()),
        autoescape=select_autoescape(default=True, default_for_string=True),
        auto_reload=False,
    )


def render(
    request: Request, name: str, status: int = 200, *, signed_in: bool = False, **context: Any
) -> HTMLResponse:
    """A page of the product in the shared layout; ``signed_in`` picks its navigation."""
    ctx = request_context(request.scope)
    html = (
        environment()
        .get_template(name)
        .render(
            nonce=ctx.nonce,
            nav=SIGNED_IN_NAV if signed_in else SIGNED_OUT_NAV,
            signed_in=signed_in,
            current=request.url.path,
            **context,
        )
    )
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
