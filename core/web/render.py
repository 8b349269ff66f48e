"""Render a page: Jinja2 with autoescaping over the features' page files, one
layout (``base.html``) with the product's navigation, and the response's CSP nonce.

The templates are files (``core/<feature>/templates/*.html``); the worker bundle
carries Python modules only, so ``scripts/build_assets.py`` builds each
feature's files into its ``page_files`` module, and the loader reads those: the
same text locally and at the edge, with no filesystem to assume. Each feature
declares its files (``Feature.templates``); ``create_app`` builds one
environment of them and the layout's (``app.state.pages``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import DictLoader, Environment, select_autoescape

from core.errors import Forbidden
from core.feature import Feature
from core.http.context import request_context
from core.web import page_files as layout_files
from core.web.notices import notice_for

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
    ("/monitoring", "Monitoring"),
    ("/account", "Account"),
    ("/my-page", "My public page"),
)
# An admin sees the admin area too; its pages list their own sections
# (``ADMIN_SECTIONS``), which later features' admin views join.
ADMIN_NAV: tuple[tuple[str, str], ...] = (("/admin", "Admin"),)
ADMIN_SECTIONS: tuple[tuple[str, str], ...] = (
    ("/admin", "Users"),
    ("/admin/audit", "Audit log"),
    ("/admin/releases", "App releases"),
)


def page_files(features: Sequence[Feature]) -> dict[str, str]:
    """The layout's and every feature's page files (templates and scripts) by name:
    one name space, checked unique."""
    merged: dict[str, str] = dict(layout_files.FILES)
    for files in (f.templates for f in features):
        clash = merged.keys() & files.keys()
        if clash:
            raise RuntimeError(f"two features name the page file {sorted(clash)}")
        merged.update(files)
    return merged


def environment(files: Mapping[str, str]) -> Environment:
    return Environment(
        loader=DictLoader(dict(files)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        auto_reload=False,
    )


def _nav(request: Request, signed_in: bool) -> tuple[tuple[str, str], ...]:
    if not signed_in:
        return SIGNED_OUT_NAV
    # optional_actor keeps the actor it found in the scope; an admin gets the admin area.
    actor = request.scope.get("creator_edge.actor")
    return SIGNED_IN_NAV + ADMIN_NAV if getattr(actor, "is_admin", False) else SIGNED_IN_NAV


def _current(path: str, nav: tuple[tuple[str, str], ...]) -> str:
    """The navigation entry this page belongs to: its own path, else the longest
    entry it lies under (``/editor/profiles/x`` is the editor's, ``/admin/audit`` the admin's)."""
    under = [href for href, _ in nav if href != "/" and path.startswith(href + "/")]
    return path if any(href == path for href, _ in nav) or not under else max(under, key=len)


def render(
    request: Request, name: str, status: int = 200, *, signed_in: bool = False, **context: Any
) -> HTMLResponse:
    """A page of the product in the shared layout; ``signed_in`` picks its navigation.

    A ``?done=<code>`` on the page's address shows that code's confirmation
    (``core.web.notices.NOTICES``) at the top of the page, announced politely."""
    ctx = request_context(request.scope)
    nav = _nav(request, signed_in)
    context.setdefault("notice", notice_for(request.query_params.get("done")))
    html = (
        pages(request)
        .get_template(name)
        .render(
            nonce=ctx.nonce,
            nav=nav,
            signed_in=signed_in,
            current=_current(request.url.path, nav),
            path=request.url.path,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})


def render_confirm(
    request: Request,
    *,
    title: str,
    message: str,
    action: str,
    button: str,
    cancel: str,
    fields: Mapping[str, str] | None = None,
    password: bool = False,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    """The confirm step of a destructive form: the same form again, with
    ``confirm=1`` (and the password when ``password``), or a way back."""
    confirm = {
        "title": title,
        "message": message,
        "action": action,
        "button": button,
        "cancel": cancel,
        "fields": dict(fields or {}),
        "password": password,
    }
    return render(request, "confirm.html", status, signed_in=True, confirm=confirm, error=error)


def done(target: str, code: str) -> RedirectResponse:
    """After a form: back to ``target`` with ``code``'s confirmation."""
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{joiner}done={code}", status_code=303)


def pages(request: Request) -> Environment:
    """The app's page templates (built once by ``create_app``)."""
    env: Environment = request.app.state.pages
    return env


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
