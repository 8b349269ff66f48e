"""``GET /a/{owner}/{file}``: an asset's stored file, public, for anyone to embed.

Keys name content, so a file never changes at its address: it is served with
a strong ETag and ``Cache-Control: immutable`` for a year, answers
``If-None-Match`` with 304 and a ``Range`` with 206 (416 when it lies outside
the file). ``Cross-Origin-Resource-Policy: cross-origin`` lets other sites
(a creator's own page) embed it; the pipeline's default, same-origin, would
block that under their COEP.

Not in the OpenAPI document: it is a file server, not part of the JSON API, and
being public it has no owner check for the isolation walk to make.
"""

from __future__ import annotations

import re
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from core import deps
from core.assets.keys import BLOB_METADATA, served_key
from core.errors import NotFound, envelope
from core.ports import (
    Blob,
    BlobMeta,
    BlobStore,
    ByteRange,
    Conditions,
    Ports,
    RangeNotSatisfiable,
)

router = APIRouter(include_in_schema=False)

IMMUTABLE = "public, max-age=31536000, immutable"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None) -> ByteRange | None:
    """One ``bytes=`` range as R2's ``ByteRange``; None for no header, a list of
    ranges or a malformed one (RFC 9110: such a Range is ignored, the whole file
    is sent)."""
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match:
        return None
    first, last = match.groups()
    if not first:
        return ByteRange(suffix=_position(last)) if last else None
    start = _position(first)
    if not last:
        return ByteRange(offset=start)
    end = _position(last)
    if end < start:
        return None
    return ByteRange(offset=start, length=end - start + 1)


def _position(digits: str) -> int:
    # Past 16 digits (Python refuses to convert more than 4,300) a position lies
    # beyond any file: as a start it is unsatisfiable, as an end or suffix the
    # whole rest of the file, which is what the one number 10**16 also means.
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 16 else 10**16


def if_match_fails(header: str | None, etag: str) -> bool:
    """RFC 9110 If-Match: true when it names no current version (strong comparison)."""
    if header is None:
        return False
    tags = [tag.strip() for tag in header.split(",")]
    return "*" not in tags and etag not in tags


def _conditions(request: Request) -> Conditions | None:
    if_none_match = request.headers.get("if-none-match")
    since = None
    if raw := request.headers.get("if-modified-since"):
        try:
            since = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            since = None
    if if_none_match is None and since is None:
        return None
    return Conditions(if_none_match=if_none_match, if_modified_since=since)


def _headers(meta: BlobMeta) -> dict[str, str]:
    return {
        "etag": meta.http_etag,
        "last-modified": format_datetime(meta.uploaded, usegmt=True),
        "cache-control": IMMUTABLE,
        "accept-ranges": "bytes",
        "cross-origin-resource-policy": "cross-origin",
    }


def _is_asset(meta: BlobMeta) -> bool:
    return all(meta.custom_metadata.get(k) == v for k, v in BLOB_METADATA.items())


async def _close(blob: Blob) -> None:
    """Let go of a body that will not be sent (an open file, locally)."""
    if close := getattr(blob.body, "aclose", None):
        await close()


async def _fetch(store: BlobStore, key: str, request: Request) -> Blob | None:
    wanted = parse_range(request.headers.get("range"))
    conditions = _conditions(request)
    blob = await store.get(key, range=wanted, conditions=conditions)
    if_range = request.headers.get("if-range")
    if blob is not None and wanted is not None and if_range and if_range != blob.meta.http_etag:
        # The client holds another version (or names a date): send the whole file.
        await _close(blob)
        blob = await store.get(key, conditions=conditions)
    return blob


def _unsatisfiable(meta: BlobMeta) -> Response:
    return JSONResponse(
        envelope("range_not_satisfiable", "The range lies outside the file.", {"size": meta.size}),
        status_code=416,
        headers={
            "content-range": f"bytes */{meta.size}",
            "accept-ranges": "bytes",
            "cache-control": "no-store",
            "cross-origin-resource-policy": "cross-origin",
        },
    )


@router.api_route("/a/{owner_id}/{file}", methods=["GET", "HEAD"])
async def serve_asset(
    owner_id: str, file: str, request: Request, ports: Ports = Depends(deps.ports)
) -> Response:
    key = served_key(owner_id, file)
    if key is None:
        raise NotFound("No file is here.")
    try:
        blob = await _fetch(ports.blobs, key, request)
    except RangeNotSatisfiable:
        meta = await ports.blobs.head(key)
        if meta is None or not _is_asset(meta):
            raise NotFound("No file is here.") from None
        return _unsatisfiable(meta)
    if blob is None or not _is_asset(blob.meta):
        if blob is not None:
            await _close(blob)
        raise NotFound("No file is here.")
    headers = _headers(blob.meta)
    if if_match_fails(request.headers.get("if-match"), blob.meta.http_etag):
        await _close(blob)
        return JSONResponse(
            envelope("precondition_failed", "The file is not the version If-Match names."),
            status_code=412,
            headers={"etag": blob.meta.http_etag, "cache-control": "no-store"},
        )
    if blob.body is None:
        return Response(status_code=304, headers=headers)
    status, length = 200, blob.meta.size
    if blob.served_range is not None:
        offset, length = blob.served_range
        status = 206
        headers["content-range"] = f"bytes {offset}-{offset + length - 1}/{blob.meta.size}"
    headers["content-length"] = str(length)
    if request.method == "HEAD":
        await _close(blob)
        return Response(status_code=status, headers=headers, media_type=blob.meta.content_type)
    return StreamingResponse(
        blob.body, status_code=status, headers=headers, media_type=blob.meta.content_type
    )
