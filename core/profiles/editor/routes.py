"""The editor: signed-in pages to create and edit profiles and their links.

Plain forms do everything but the avatar upload, so the editor works without
JavaScript; its one script (``editor_js``) reorders in place and shrinks
images before upload. Every form post checks Origin; failures re-render the
page with the reason and the right status."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from core.data.actor import Actor
from core.data.owned import Owned
from core.errors import AppError, Invalid, NotFound
from core.http.context import request_context
from core.identity import optional_actor
from core.profiles.editor import script as editor_js
from core.profiles.models import LinkIn, ProfileIn
from core.profiles.service import Profiles
from core.web.render import check_origin, done, render, render_confirm

router = APIRouter(include_in_schema=False)

_EMPTY_PROFILE = {"slug": "", "display_name": "", "bio": ""}
_EMPTY_LINK = {"title": "", "url": ""}


def _service(request: Request, actor: Actor) -> Profiles:
    ctx = request_context(request.scope)
    return Profiles(ctx.ports, Owned(ctx.ports.db, actor), ctx)


def _to_login(request: Request) -> Response:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form(max_files=0, max_fields=20, max_part_size=8192)
    return {k: v for k, v in form.items() if isinstance(v, str)}


M = TypeVar("M", bound=BaseModel)


def _parsed(model: type[M], **fields: Any) -> M:
    """A form's fields as the API's body model; a bad field is a 422, as in the API."""
    try:
        return model(**fields)
    except ValidationError as error:
        field = ".".join(str(p) for p in error.errors()[0].get("loc", ()))
        message = f"The {field.replace('_', ' ')} is too long."
        raise Invalid(message, details=[{"field": field}]) from None


def _back(profile_id: str, code: str) -> Response:
    return done(f"/editor/profiles/{profile_id}", code)


async def _profile_page(
    request: Request,
    service: Profiles,
    profile_id: str,
    *,
    status: int = 200,
    error: str | None = None,
    link_form: dict[str, str] | None = None,
) -> Response:
    try:
        profile = await service.get(profile_id)
    except NotFound:
        return render(request, "profile_missing.html", status=404, signed_in=True)
    return render(
        request,
        "editor_profile.html",
        status=status,
        profile=profile,
        error=error,
        link_form=link_form or _EMPTY_LINK,
        signed_in=True,
        script_url=editor_js.URL,
    )


@router.get("/editor")
async def editor_home(request: Request, actor: Actor | None = Depends(optional_actor)) -> Response:
    if actor is None:
        return _to_login(request)
    return await _editor_home(request, _service(request, actor))


async def _editor_home(
    request: Request,
    service: Profiles,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    page = await service.list_mine(limit=200, cursor=None)
    return render(
        request,
        "editor.html",
        status=status,
        profiles=page.items,
        form=form or _EMPTY_PROFILE,
        error=error,
        signed_in=True,
    )


@router.post("/editor/profiles")
async def create_profile(
    request: Request, actor: Actor | None = Depends(optional_actor)
) -> Response:
    check_origin(request)
    if actor is None:
        return _to_login(request)
    service = _service(request, actor)
    form = await _form(request)
    fields = {k: form.get(k, "") for k in ("slug", "display_name", "bio")}
    try:
        body = _parsed(
            ProfileIn,
            slug=fields["slug"],
            display_name=fields["display_name"],
            bio=fields["bio"] or None,
            is_public=form.get("is_public") == "1",
        )
        created = await service.create(body)
    except AppError as error:
        return await _editor_home(
            request, service, status=error.status, error=error.message, form=fields
        )
    return _back(created.id, "profile_created")


@router.get("/editor/profiles/{profile_id}")
async def edit_profile(
    profile_id: str, request: Request, actor: Actor | None = Depends(optional_actor)
) -> Response:
    if actor is None:
        return _to_login(request)
    return await _profile_page(request, _service(request, actor), profile_id)


@router.post("/editor/profiles/{profile_id}")
async def save_profile(
    profile_id: str, request: Request, actor: Actor | None = Depends(optional_actor)
) -> Response:
    check_origin(request)
    if actor is None:
        return _to_login(request)
    service = _service(request, actor)
    form = await _form(request)
    changes = {
        "slug": form.get("slug", ""),
        "display_name": form.get("display_name", ""),
        "bio": form.get("bio") or None,
        "is_public": form.get("is_public") == "1",
    }
    try:
        await service.update(profile_id, changes)
    except AppError as error:
        return await _profile_page(
            request, service, profile_id, status=error.status, error=error.message
        )
    return _back(profile_id, "profile_saved")


@router.post("/editor/profiles/{profile_id}/delete")
async def delete_profile(
    profile_id: str, request: Request, actor: Actor | None = Depends(optional_actor)
) -> Response:
    check_origin(request)
    if actor is None:
        return _to_login(request)
    service = _service(request, actor)
    form = await _form(request)
    try:
        if form.get("confirm") != "1":
            profile = await service.get(profile_id)
            return render_confirm(
                request,
                title=f"Delete {profile.display_name}?",
                message=(
                    f"Its public page {profile.url} stops answering, and its "
                    f"{len(profile.links or [])} link(s) and their numbers are deleted with it. "
                    "This cannot be undone."
                ),
                action=f"/editor/profiles/{profile_id}/delete",
                button="Delete this profile",
                cancel=f"/editor/profiles/{profile_id}",
            )
        await service.delete(profile_id)
    except NotFound:
        return render(request, "profile_missing.html", status=404, signed_in=True)
    return done("/editor", "profile_deleted")


@router.post("/editor/profiles/{profile_id}/links")
async def add_link(
    profile_id: str, request: Request, actor: Actor | None = Depends(optional_actor)
) -> Response:
    check_origin(request)
    if actor is None:
        return _to_login(request)
    service = _service(request, actor)
    form = await _form(request)
    fields = {k: form.get(k, "") for k in ("title", "url")}
    try:
        body = _parsed(LinkIn, title=fields["title"], url=fields["url"])
        await service.add_link(profile_id, body)
    except AppError as error:
        return await _profile_page(
            request,
            service,
            profile_id,
            status=error.status,
            error=error.message,
            link_form=fields,
        )
    return _back(profile_id, "link_added")


async def _change_link(
    request: Request, actor: Actor | None, link_id: str, action: str
) -> Response:
    check_origin(request)
    if actor is None:
        return _to_login(request)
    service = _service(request, actor)
    form = await _form(request)
    try:
        link = await service.link(link_id)
    except NotFound:
        return render(request, "profile_missing.html", status=404, signed_in=True)
    code = "link_moved"
    try:
        if action == "delete":
            if form.get("confirm") != "1":
                return render_confirm(
                    request,
                    title=f"Remove the link {link.title}?",
                    message=f"{link.url} leaves your page, and its click numbers go with it.",
                    action=f"/editor/links/{link_id}/delete",
                    button="Remove this link",
                    cancel=f"/editor/profiles/{link.profile_id}",
                )
            await service.delete_link(link_id)
            code = "link_deleted"
        elif action == "visibility":
            shown = form.get("is_active") == "1"
            await service.update_link(link_id, {"is_active": shown})
            code = "link_shown" if shown else "link_hidden"
        elif action == "edit":
            fields = {"title": form.get("title", ""), "url": form.get("url", "")}
            _parsed(LinkIn, **fields)
            await service.update_link(link_id, fields)
            code = "link_saved"
        elif form.get("direction") in ("up", "down"):
            step = -1 if form["direction"] == "up" else 1
            await service.update_link(link_id, {"position": max(0, link.position + step)})
    except AppError as error:
        return await _profile_page(
            request, service, link.profile_id, status=error.status, error=error.message
        )
    return _back(link.profile_id, code)


@router.post("/editor/links/{link_id}")
async def edit_link(
    link_id: str, request: Request, actor: Actor | None = Depends(optional_actor)
) -> Response:
    """A link's title and URL."""
    return await _change_link(request, actor, link_id, "edit")


@router.post("/editor/links/{link_id}/move")
async def move_link(
    link_id: str, request: Request, actor: Actor | None = Depends(optional_actor)
) -> Response:
    return await _change_link(request, actor, link_id, "move")


@router.post("/editor/links/{link_id}/visibility")
async def link_visibility(
    link_id: str, request: Request, actor: Actor | None = Depends(optional_actor)
) -> Response:
    return await _change_link(request, actor, link_id, "visibility")


@router.post("/editor/links/{link_id}/delete")
async def delete_link(
    link_id: str, request: Request, actor: Actor | None = Depends(optional_actor)
) -> Response:
    return await _change_link(request, actor, link_id, "delete")


@router.get("/my-page")
async def my_public_page(
    request: Request, actor: Actor | None = Depends(optional_actor)
) -> Response:
    """The navigation's "My public page": the first public profile's page, or
    the editor with the reason when there is none."""
    if actor is None:
        return _to_login(request)
    page = await _service(request, actor).list_mine(limit=200, cursor=None)
    public = [p for p in page.items if p.is_public]
    if public:
        return RedirectResponse(public[0].url, status_code=303)
    return done("/editor", "no_public_page")


@router.get("/editor/editor.js")
async def editor_script() -> Response:
    """The editor's script; its URL carries its hash, so it may be kept a year."""
    return Response(
        editor_js.EDITOR_JS,
        media_type="text/javascript",
        headers={"cache-control": "public, max-age=31536000, immutable"},
    )
