"""An in-process stand-in of the R2 bucket binding, written from the R2 Workers API docs.

``get`` returns null for a missing key, an R2Object without ``body`` when an
``onlyIf`` condition fails, and an R2ObjectBody (with ``range``) otherwise; a
body is a stream read once; ``list`` leaves out ``httpMetadata`` and
``customMetadata`` unless ``include`` asks for them; ``delete`` takes a key or
an array of at most 1000.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from core.clock import FrozenClock
from tests.edge.jsfakes import (
    JSNULL,
    JsArray,
    JsDate,
    JsError,
    JsObject,
    Uint8Array,
    field,
    options_of,
)

CHUNK = 4096  # small, so tests see bodies of several chunks


@dataclass
class _Stored:
    data: bytes
    etag: str
    uploaded_ms: float
    http: dict[str, Any]
    custom: dict[str, str]
    version: str


class ReadableStream:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self.locked = False

    def __aiter__(self) -> AsyncIterator[Uint8Array]:
        if self.locked:
            raise JsError("TypeError: This ReadableStream is currently locked to a reader.")
        self.locked = True
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[Uint8Array]:
        for start in range(0, len(self._data), CHUNK):
            yield Uint8Array(self._data[start : start + CHUNK])


class R2Object:
    def __init__(self, key: str, stored: _Stored, *, metadata: bool = True) -> None:
        self.key = key
        self.version = stored.version
        self.size = len(stored.data)
        self.etag = stored.etag
        self.httpEtag = f'"{stored.etag}"'
        self.uploaded = JsDate(stored.uploaded_ms)
        self.storageClass = "Standard"
        if metadata:
            self.httpMetadata = JsObject(stored.http)
            self.customMetadata = JsObject(stored.custom)


class R2ObjectBody(R2Object):
    def __init__(self, key: str, stored: _Stored, offset: int, length: int) -> None:
        super().__init__(key, stored)
        self.range = JsObject({"offset": offset, "length": length})
        self.body = ReadableStream(stored.data[offset : offset + length])

    @property
    def bodyUsed(self) -> bool:
        return self.body.locked

    async def arrayBuffer(self) -> Uint8Array:
        chunks = [chunk.to_bytes() async for chunk in self.body]
        return Uint8Array(b"".join(chunks))


class R2Bucket:
    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock
        self.objects: dict[str, _Stored] = {}
        self._versions = 0

    async def put(self, key: str, value: Any, options: Any = None) -> R2Object:
        options = options_of(options, "R2 put")
        if isinstance(value, Uint8Array):
            data = value.to_bytes()
        elif isinstance(value, str):
            data = value.encode()
        else:
            raise JsError(f"TypeError: R2 put: unsupported body {type(value).__name__}")
        http = field(options, "httpMetadata", JsObject())
        custom = field(options, "customMetadata", JsObject())
        if not isinstance(http, JsObject) or not isinstance(custom, JsObject):
            raise JsError("TypeError: R2 put: httpMetadata and customMetadata must be objects")
        self._versions += 1
        stored = _Stored(
            data,
            hashlib.md5(data).hexdigest(),
            math.floor(self.clock.now() * 1000),
            http.to_py(),
            {k: str(v) for k, v in custom.to_py().items()},
            f"v{self._versions}",
        )
        self.objects[key] = stored
        return R2Object(key, stored)

    async def head(self, key: str) -> Any:
        stored = self.objects.get(key)
        return JSNULL if stored is None else R2Object(key, stored)

    async def get(self, key: str, options: Any = None) -> Any:
        options = options_of(options, "R2 get")
        stored = self.objects.get(key)
        if stored is None:
            return JSNULL
        only_if = field(options, "onlyIf")
        if only_if is not None and not _conditions_hold(options_of(only_if, "onlyIf"), stored):
            return R2Object(key, stored)
        offset, length = _range(field(options, "range"), len(stored.data))
        return R2ObjectBody(key, stored, offset, length)

    async def delete(self, keys: Any) -> None:
        if isinstance(keys, str):
            keys = [keys]
        elif not isinstance(keys, JsArray):
            raise JsError("TypeError: R2 delete: keys must be a string or an array of strings")
        if len(keys) > 1000:
            raise JsError("Error: delete: You can delete at most 1000 objects at once. (10037)")
        for key in keys:
            self.objects.pop(key, None)

    async def list(self, options: Any = None) -> JsObject:
        options = options_of(options, "R2 list")
        prefix = field(options, "prefix", "") or ""
        limit = field(options, "limit", 1000)
        if not 1 <= limit <= 1000:
            raise JsError("Error: list: MaxKeys params must be positive integer <= 1000. (10022)")
        cursor = field(options, "cursor")
        include = field(options, "include", JsArray())
        after = base64.b64decode(cursor).decode() if cursor else None
        keys = sorted(
            k for k in self.objects if k.startswith(prefix) and (after is None or k > after)
        )
        page, rest = keys[:limit], keys[limit:]
        with_meta = "httpMetadata" in include and "customMetadata" in include
        objects = JsArray(R2Object(k, self.objects[k], metadata=with_meta) for k in page)
        result = {"objects": objects, "truncated": bool(rest), "delimitedPrefixes": JsArray()}
        if rest:
            result["cursor"] = base64.b64encode(page[-1].encode()).decode()
        return JsObject(result)


def _range(requested: Any, size: int) -> tuple[int, int]:
    if requested is None:
        return 0, size
    requested = options_of(requested, "range")
    suffix = field(requested, "suffix")
    if suffix is not None:
        length = min(int(suffix), size)
        return size - length, length
    offset = int(field(requested, "offset", 0))
    length = field(requested, "length")
    if offset < 0 or (offset >= size and size > 0) or (length is not None and length <= 0):
        raise JsError("Error: get: The requested range is not satisfiable. (10039)")
    available = size - offset
    return offset, available if length is None else min(int(length), available)


def _conditions_hold(only_if: JsObject, stored: _Stored) -> bool:
    # R2Conditional in RFC 9110's order: an etag condition, when present, makes
    # the date condition of the same kind ignored.
    seconds = bool(field(only_if, "secondsGranularity", False))

    def uploaded(date: JsDate) -> tuple[float, float]:
        if seconds:
            return stored.uploaded_ms // 1000, date.getTime() // 1000
        return stored.uploaded_ms, date.getTime()

    matches, before = field(only_if, "etagMatches"), field(only_if, "uploadedBefore")
    if matches is not None:
        if matches != stored.etag:
            return False
    elif before is not None:
        ours, theirs = uploaded(before)
        if not ours < theirs:
            return False
    not_matches, after = field(only_if, "etagDoesNotMatch"), field(only_if, "uploadedAfter")
    if not_matches is not None:
        return not_matches != stored.etag
    if after is not None:
        ours, theirs = uploaded(after)
        return ours > theirs
    return True
