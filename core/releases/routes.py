"""The desktop app's API (paths kept from its contract): version check, history,
download tracking, feedback and diagnostic uploads."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from core.analytics import visitor_hash
from core.assets import read_upload
from core.data.actor import Actor
from core.deps import context, settings
from core.errors import BadRequest, Invalid, Unauthorized, UnsupportedMediaType
from core.http.context import RequestContext
from core.http.pipeline import BodyRule
from core.identity import optional_actor, user_blob_prefix
from core.releases import versions
from core.releases.models import (
    Channel,
    DiagnosticOut,
    DiagnosticPathIn,
    DownloadOut,
    FeedbackIn,
    FeedbackOut,
    Os,
    TrackDownloadIn,
    VersionOut,
    VersionPage,
)
from core.releases.service import Releases, Who, version_out
from core.security.limits import per_client
from core.security.ratelimit import Policy
from core.settings import Settings

router = APIRouter(tags=["releases"])

DIAGNOSTICS_PATH = "/api/diagnostics"
MAX_LOG_BYTES = 5 * 1024 * 1024
MULTIPART_OVERHEAD = 64 * 1024
# Feedback is a person typing: far fewer than the default 100 a minute.
FEEDBACK = Policy("release_feedback", 5, 60)
DIAGNOSTICS = Policy("release_diagnostics", 30, 60)
DIAGNOSTICS_BODY = BodyRule(
    DIAGNOSTICS_PATH,
    MAX_LOG_BYTES + MULTIPART_OVERHEAD,
    ("multipart/form-data", "application/json"),
)
DOWNLOAD_SCOPE = "releases:downloads"

_LOG_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        "application/json": {"schema": DiagnosticPathIn.model_json_schema()},
    },
}


def releases(request: Request, cfg: Settings = Depends(settings)) -> Releases:
    return Releases(context(request).ports, cfg)


def who(request: Request, actor: Actor | None, user_id: str | None) -> Who:
    """The soft owner of a row: the signed-in user; a ``user_id`` must be theirs."""
    if user_id is not None:
        if actor is None:
            raise Unauthorized("Sign in to attach this to an account.")
        if user_id != actor.user_id:
            raise Invalid(
                "The user id is not the signed-in user's.",
                details=[{"field": "user_id", "message": "not the signed-in user"}],
            )
    ctx: RequestContext = context(request)
    return Who(
        owner_id=actor.user_id if actor else None,
        user_agent=ctx.user_agent,
    )


@router.get("/api/version", response_model=VersionOut)
async def latest_version(
    current: str | None = Query(None, max_length=versions.MAX_LENGTH),
    channel: Channel = "stable",
    service: Releases = Depends(releases),
) -> Any:
    """The latest version; with ``current``, whether it is newer (``update_available``)."""
    if current is not None:
        versions.parse(current, field="current")
    return version_out(await service.latest(channel), current=current)


@router.get("/api/versions", response_model=VersionPage)
async def version_history(
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=200),
    service: Releases = Depends(releases),
) -> Any:
    """Every published version, newest first."""
    return await service.history(limit=limit, cursor=cursor)


async def _track(request: Request, os_name: str, service: Releases) -> DownloadOut:
    """The file's URL now; the download (with its visitor hash) is written after the
    response, as Dub records a click (``waitUntil`` at the edge)."""
    out, download = await service.download_for(os_name)
    found = who(request, None, None)

    async def record() -> None:
        found.ip_hash = await visitor_hash(request, DOWNLOAD_SCOPE)
        await service.record_download(download, found)

    context(request).ports.defer(record())
    return out


@router.post("/api/track-download", response_model=DownloadOut)
async def track_download(
    request: Request, body: TrackDownloadIn, service: Releases = Depends(releases)
) -> Any:
    """Record a download of the latest version for ``os``; answers its file's URL."""
    return await _track(request, body.os, service)


# A link for browsers (a redirect, like /l/{id}), not JSON API: out of the OpenAPI document.
@router.get("/download/{os}", status_code=302, include_in_schema=False)
async def download(request: Request, os: Os, service: Releases = Depends(releases)) -> Any:
    """For plain links: record the download and redirect to the file."""
    tracked = await _track(request, os, service)
    return RedirectResponse(tracked.url, status_code=302, headers={"Cache-Control": "no-store"})


@router.post(
    "/api/feedback",
    status_code=201,
    response_model=FeedbackOut,
    dependencies=[Depends(per_client(FEEDBACK))],
)
async def send_feedback(
    request: Request,
    body: FeedbackIn,
    actor: Actor | None = Depends(optional_actor),
    service: Releases = Depends(releases),
) -> Any:
    """A message of 1 to 1000 characters, an optional email and user id."""
    return await service.feedback(body, who(request, actor, body.user_id))


@router.post(
    DIAGNOSTICS_PATH,
    status_code=201,
    response_model=DiagnosticOut,
    dependencies=[Depends(per_client(DIAGNOSTICS))],
    openapi_extra={"requestBody": _LOG_BODY},
)
async def upload_diagnostic(
    request: Request,
    actor: Actor | None = Depends(optional_actor),
    service: Releases = Depends(releases),
) -> Any:
    """A log file (multipart ``file``, text or zip, at most 5 MB) stored here; or, as
    JSON, the path and size of a file the app uploaded under the configured prefix."""
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media == "application/json":
        try:
            raw = json.loads(await request.body())
        except ValueError:
            raise BadRequest("The body is not valid JSON.", code="malformed_json") from None
        try:
            body = DiagnosticPathIn.model_validate(raw)
        except ValidationError as error:
            raise Invalid(
                "The diagnostic report is not valid.",
                details=[
                    {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                    for e in error.errors(include_input=False)
                ],
            ) from None
        return await service.record_diagnostic_path(body, who(request, actor, body.user_id))
    if media != "multipart/form-data":
        raise UnsupportedMediaType("Send the log as multipart/form-data, or a report as JSON.")
    form = await read_upload(request, file_field="file", max_file_bytes=MAX_LOG_BYTES)
    user_id = form.fields.get("user_id") or None
    found = who(request, actor, user_id)
    prefix = user_blob_prefix(found.owner_id) if found.owner_id else ""
    return await service.store_diagnostic(bytes(form.file), found, blob_prefix=prefix)
