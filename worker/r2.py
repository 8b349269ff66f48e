"""``BlobStore`` over an R2 binding: whole-object writes, range and conditional reads."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from core.ports import Blob, BlobMeta, BlobPage, ByteRange, Conditions, RangeNotSatisfiable
from worker import interop
from worker.interop import Interop

# R2 deletes at most 1000 keys a call and lists at most 1000 objects a page.
_R2_BATCH_MAX = 1000
MAX_KEY_BYTES = 1024  # R2's limit
_DEFAULT_TYPE = "application/octet-stream"


class R2BlobStore:
    """The ``BlobStore`` port over ``env.BUCKET``."""

    provider = "r2"

    def __init__(self, binding: Any) -> None:
        self._bucket = interop.unwrap(binding)

    async def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> BlobMeta:
        check_key(key)
        ffi = interop.js_interop()
        options = {
            "httpMetadata": {"contentType": content_type},
            "customMetadata": {str(k): str(v) for k, v in (metadata or {}).items()},
        }
        stored = await self._bucket.put(
            key, ffi.to_js(bytes(data)), interop.js_object(options, ffi)
        )
        return _meta(stored, ffi)

    async def get(
        self,
        key: str,
        *,
        range: ByteRange | None = None,
        conditions: Conditions | None = None,
    ) -> Blob | None:
        check_key(key)
        ffi = interop.js_interop()
        options: dict[str, Any] = {}
        if conditions is not None:
            only_if = await self._only_if(key, conditions, ffi)
            if isinstance(only_if, BlobMeta):  # decided here: the condition does not hold
                return Blob(only_if, None)
            if only_if:
                options["onlyIf"] = only_if
        if range is not None:
            options["range"] = {
                "offset": range.offset,
                "length": range.length,
                "suffix": range.suffix,
            }
        try:
            found = await self._bucket.get(key, interop.js_object(options, ffi))
        except Exception as exc:
            message = interop.error_text(exc).lower()
            if range is not None and (
                ("range" in message and ("satisf" in message or "10039" in message))
                or await self._outside(key, range)
            ):
                raise RangeNotSatisfiable(interop.error_text(exc)) from exc
            raise
        if interop.is_null(found, ffi):
            return None
        meta = _meta(found, ffi)
        if not hasattr(found, "body"):  # R2 answers a failed onlyIf with no body
            return Blob(meta, None)
        served = _served_range(found, meta.size, ffi) if range is not None else None
        return Blob(meta, _chunks(found), served)

    async def _outside(self, key: str, wanted: ByteRange) -> bool:
        # R2 answers 10039 for a range past the end; Miniflare's local R2 an
        # "Unspecified error (0)". Asking for the size tells either way.
        meta = await self.head(key)
        start = wanted.offset if wanted.offset is not None else 0
        return meta is not None and wanted.suffix is None and start >= meta.size

    async def head(self, key: str) -> BlobMeta | None:
        check_key(key)
        ffi = interop.js_interop()
        found = await self._bucket.head(key)
        return None if interop.is_null(found, ffi) else _meta(found, ffi)

    async def delete(self, keys: str | Sequence[str]) -> None:
        if isinstance(keys, str):
            check_key(keys)
            await self._bucket.delete(keys)
            return
        ffi = interop.js_interop()
        keys = list(keys)
        for key in keys:
            check_key(key)
        for start in range(0, len(keys), _R2_BATCH_MAX):
            await self._bucket.delete(ffi.to_js(keys[start : start + _R2_BATCH_MAX]))

    async def list(
        self, prefix: str = "", *, limit: int = 1000, cursor: str | None = None
    ) -> BlobPage:
        ffi = interop.js_interop()
        options = {
            "prefix": prefix or None,
            "limit": max(1, min(limit, _R2_BATCH_MAX)),
            "cursor": cursor,
            # Without include, listed objects carry no content type or custom metadata.
            "include": ["httpMetadata", "customMetadata"],
        }
        page = await self._bucket.list(interop.js_object(options, ffi))
        items = [_meta(obj, ffi) for obj in page.objects]
        more = bool(getattr(page, "truncated", False))
        return BlobPage(items, (getattr(page, "cursor", None) or None) if more else None)

    async def _only_if(self, key: str, c: Conditions, ffi: Interop) -> dict[str, Any] | BlobMeta:
        # R2's onlyIf for ``c``; or, where its single-etag conditions cannot say it
        # (``*`` or a list of etags) and the check made here fails, the metadata.
        only_if: dict[str, Any] = {}
        match, none_match = _etags(c.if_match), _etags(c.if_none_match)
        if (match and (match == ["*"] or len(match) > 1)) or (
            none_match and (none_match == ["*"] or len(none_match) > 1)
        ):
            meta = await self.head(key)
            if meta is not None and not _etag_conditions_hold(meta.etag, match, none_match):
                return meta
            match = none_match = []  # checked here; nothing left for R2 to check
        if match:
            only_if["etagMatches"] = match[0]
        if none_match:
            only_if["etagDoesNotMatch"] = none_match[0]
        elif c.if_modified_since is not None and c.if_none_match is None:
            # HTTP ignores If-Modified-Since when If-None-Match is present; HTTP dates
            # have whole seconds, so R2 compares in seconds too.
            since = c.if_modified_since.timestamp() * 1000
            only_if["uploadedAfter"] = ffi.js.Date.new(since)
            only_if["secondsGranularity"] = True
        return only_if


def check_key(key: str) -> None:
    """Raise ValueError for keys no adapter takes: empty, too long, NUL, ``.``/``..`` segments.

    R2 itself would store ``a/../b``; refusing it keeps keys portable to the local
    folder store, where it would climb out of the store."""
    if not key:
        raise ValueError("blob key is empty")
    if "\x00" in key:
        raise ValueError(f"blob key {key!r} contains NUL")
    if len(key.encode()) > MAX_KEY_BYTES:
        raise ValueError(f"blob key is longer than {MAX_KEY_BYTES} bytes")
    if any(segment in (".", "..") for segment in key.split("/")):
        raise ValueError(f"blob key {key!r} has a '.' or '..' segment")


def _etags(header: str | None) -> list[str]:
    if header is None:
        return []
    tags = [t.strip().removeprefix("W/").strip('"') for t in header.split(",")]
    return [t for t in tags if t]


def _etag_conditions_hold(etag: str, match: list[str], none_match: list[str]) -> bool:
    if match and match != ["*"] and etag not in match:
        return False
    return not (none_match and (none_match == ["*"] or etag in none_match))


async def _chunks(found: Any) -> AsyncIterator[bytes]:
    # Streamed chunk by chunk: reading a large object whole costs about three
    # times its size in isolate memory.
    stream = getattr(found, "body", None)
    if stream is not None and hasattr(stream, "__aiter__"):
        async for chunk in stream:
            yield interop.to_bytes(chunk)
        return
    yield interop.to_bytes(await found.arrayBuffer())


def _served_range(found: Any, size: int, ffi: Interop) -> tuple[int, int] | None:
    served = interop.to_py(getattr(found, "range", None), ffi)
    if not served:
        return None
    if served.get("suffix") is not None:
        length = min(int(served["suffix"]), size)
        return size - length, length
    offset = int(served.get("offset") or 0)
    length = served.get("length")
    return offset, int(length) if length is not None else size - offset


def _meta(found: Any, ffi: Interop) -> BlobMeta:
    http = interop.to_py(getattr(found, "httpMetadata", None), ffi) or {}
    custom = interop.to_py(getattr(found, "customMetadata", None), ffi) or {}
    return BlobMeta(
        key=str(found.key),
        size=int(found.size),
        etag=str(found.etag),
        content_type=http.get("contentType") or _DEFAULT_TYPE,
        uploaded=_uploaded(found.uploaded),
        custom_metadata={str(k): str(v) for k, v in custom.items()},
    )


def _uploaded(value: Any) -> datetime:
    if isinstance(value, datetime):  # the SDK's wrapper converts Dates, naive in UTC
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    millis = value.getTime() if hasattr(value, "getTime") else value
    return datetime.fromtimestamp(float(millis) / 1000, UTC)
