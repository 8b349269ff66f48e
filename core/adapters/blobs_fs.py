"""The ``BlobStore`` port on a folder: one file per key, R2's read semantics.

Layout, in the object's own directory::

    <name>                          the object's bytes
    .~<name>.<identity>.meta        its metadata (JSON), a sidecar
    .~<name>.<random>.tmp           a write in progress (or left by a crash)

Names starting with ``.~`` are reserved: keys may not use them, ``list`` skips
them.

Why readers always see a whole, matching object: the sidecar is named by the
*identity* of the data file it describes (inode, mtime and size, which a
rename keeps). ``put`` writes the data to a temp file, writes the sidecar for
that file's identity, and only then renames the temp file over the object:
that rename is the single commit point. A reader opens the object (pinning
that version's bytes for as long as it holds the descriptor), takes its
identity with ``fstat`` and reads the sidecar of exactly that identity. If a
writer replaced the object meanwhile and removed the old sidecar, the reader
simply opens again. A crash before the rename leaves the old object and its
sidecar untouched; only hidden garbage remains.

Unlike R2, a folder cannot hold both ``a`` and ``a/b``: such a put raises
ValueError.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import mimetypes
import os
import secrets
import stat
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from core.clock import SystemClock
from core.ports import (
    Blob,
    BlobMeta,
    BlobPage,
    ByteRange,
    Clock,
    Conditions,
    RangeNotSatisfiable,
)

CHUNK_SIZE = 64 * 1024
MAX_KEY_BYTES = 1024  # R2's limit
MAX_SEGMENT_BYTES = 200  # leaves room in the 255-byte file name for the sidecar suffix
RESERVED = ".~"
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def validate_key(key: str) -> None:
    """Raise ValueError unless ``key`` maps to a file safely inside the store."""
    if not key:
        raise ValueError("blob key is empty")
    if "\x00" in key or "\\" in key:
        raise ValueError(f"blob key {key!r} contains NUL or a backslash")
    if key.startswith("/"):
        raise ValueError(f"blob key {key!r} is absolute")
    if len(key.encode()) > MAX_KEY_BYTES:
        raise ValueError(f"blob key is longer than {MAX_KEY_BYTES} bytes")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise ValueError(f"blob key {key!r} has an empty, '.' or '..' segment")
        if segment.startswith(RESERVED):
            raise ValueError(f"blob key {key!r}: segments starting with {RESERVED!r} are reserved")
        if len(segment.encode()) > MAX_SEGMENT_BYTES:
            raise ValueError(f"blob key {key!r} has a segment over {MAX_SEGMENT_BYTES} bytes")


def _identity(st: os.stat_result) -> str:
    return f"{st.st_ino:x}-{st.st_mtime_ns:x}-{st.st_size:x}"


def _sidecar(path: Path, identity: str) -> Path:
    return path.with_name(f"{RESERVED}{path.name}.{identity}.meta")


def _bare_etag(tag: str) -> str:
    tag = tag.strip()
    return tag[2:].strip('"') if tag.startswith("W/") else tag.strip('"')


def _matches(header: str, etag: str) -> bool:
    return any(t == "*" or _bare_etag(t) == etag for t in header.split(","))


def _fresh(meta: BlobMeta, conditions: Conditions) -> bool:
    """True when the conditions hold and the body should be sent."""
    if conditions.if_match is not None and not _matches(conditions.if_match, meta.etag):
        return False
    if conditions.if_none_match is not None:
        return not _matches(conditions.if_none_match, meta.etag)
    if since := conditions.if_modified_since:
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        # HTTP dates have whole seconds: compare at that resolution.
        return meta.uploaded.replace(microsecond=0) > since
    return True


def _resolve(byte_range: ByteRange, size: int) -> tuple[int, int]:
    if byte_range.suffix is not None:
        if byte_range.offset is not None or byte_range.length is not None:
            raise ValueError("a range is offset/length or suffix, not both")
        if byte_range.suffix <= 0 or size == 0:
            raise RangeNotSatisfiable(f"suffix {byte_range.suffix} of a {size}-byte object")
        length = min(byte_range.suffix, size)
        return size - length, length
    offset = byte_range.offset or 0
    if offset < 0 or offset >= size or (byte_range.length is not None and byte_range.length <= 0):
        raise RangeNotSatisfiable(f"range {byte_range} of a {size}-byte object")
    available = size - offset
    return offset, available if byte_range.length is None else min(byte_range.length, available)


def _write_file(path: Path, data: bytes) -> os.stat_result:
    fd = os.open(path, _WRITE_FLAGS, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        return os.fstat(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # Windows cannot open directories; renames there are durable anyway
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _FileChunks:
    """An async iterator over ``length`` bytes of an open file, read in a thread."""

    def __init__(self, fd: int, offset: int, length: int) -> None:
        self._fd, self._offset, self._remaining = fd, offset, length

    def _read(self, size: int) -> bytes:
        os.lseek(self._fd, self._offset, os.SEEK_SET)
        return os.read(self._fd, size)

    def __aiter__(self) -> _FileChunks:
        return self

    async def __anext__(self) -> bytes:
        if self._fd >= 0 and self._remaining > 0:
            chunk = await asyncio.to_thread(self._read, min(CHUNK_SIZE, self._remaining))
            if chunk:
                self._offset += len(chunk)
                self._remaining -= len(chunk)
                return chunk
        self.close()
        raise StopAsyncIteration

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self) -> None:  # a body nobody read still frees its descriptor
        self.close()


class FolderBlobStore:
    """``BlobStore`` on a folder on disk."""

    provider = "local"

    def __init__(self, root: str | Path, *, clock: Clock | None = None) -> None:
        self.root = Path(root)
        self._clock = clock or SystemClock()
        self._locks = [threading.Lock() for _ in range(64)]  # striped by path

    def _lock_for(self, path: Path) -> threading.Lock:
        return self._locks[hash(path) % len(self._locks)]

    def _path(self, key: str) -> Path:
        validate_key(key)
        return self.root.joinpath(*key.split("/"))

    # ----------------------------------------------------------------- write

    def _put(self, key: str, data: bytes, content_type: str, metadata: dict[str, str]) -> BlobMeta:
        path = self._path(key)
        if path.is_dir():
            raise ValueError(f"blob key {key!r} is a folder of other keys here")
        temp = path.with_name(f"{RESERVED}{path.name}.{secrets.token_hex(8)}.tmp")
        for attempt in range(3):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                written = _write_file(temp, data)
                break
            except (FileExistsError, NotADirectoryError) as exc:
                raise ValueError(f"blob key {key!r} runs through an existing object") from exc
            except FileNotFoundError:  # a delete pruned the directory in between
                if attempt == 2:
                    raise
        identity = _identity(written)
        ms = round(self._clock.now() * 1000)
        meta = BlobMeta(
            key=key,
            size=len(data),
            etag=hashlib.md5(data, usedforsecurity=False).hexdigest(),  # R2's single-part etag
            content_type=content_type,
            uploaded=datetime.fromtimestamp(ms / 1000, UTC),
            custom_metadata=dict(metadata),
        )
        sidecar = _sidecar(path, identity)
        record = {
            "etag": meta.etag,
            "content_type": content_type,
            "uploaded_ms": ms,
            "metadata": metadata,
        }
        try:
            sidecar_temp = sidecar.with_name(f"{sidecar.name}.{secrets.token_hex(4)}.tmp")
            _write_file(sidecar_temp, json.dumps(record).encode())
            os.replace(sidecar_temp, sidecar)
            # Under the key's lock, the version replaced here is the one whose
            # sidecar goes: concurrent writers of one key leave no stray sidecars.
            with self._lock_for(path):
                try:
                    previous: str | None = _identity(os.stat(path))
                except FileNotFoundError:
                    previous = None
                os.replace(temp, path)  # the commit point
                if previous is not None and previous != identity:
                    _sidecar(path, previous).unlink(missing_ok=True)
        except BaseException as exc:
            temp.unlink(missing_ok=True)
            sidecar.unlink(missing_ok=True)
            if isinstance(exc, IsADirectoryError):
                raise ValueError(f"blob key {key!r} is a folder of other keys here") from exc
            raise
        _fsync_dir(path.parent)
        return meta

    def _delete(self, keys: list[str]) -> None:
        for path in [self._path(key) for key in keys]:
            with self._lock_for(path):
                try:
                    st = os.stat(path)
                    if stat.S_ISDIR(st.st_mode):
                        continue  # a folder of other keys, not an object
                    path.unlink()
                except (FileNotFoundError, NotADirectoryError):
                    continue
                _sidecar(path, _identity(st)).unlink(missing_ok=True)
            # Prune emptied folders so a later key can use the name as an object.
            parent = path.parent
            while parent != self.root:
                try:
                    parent.rmdir()
                except OSError:
                    break
                parent = parent.parent

    # ------------------------------------------------------------------ read

    def _describe(self, fd: int, key: str, st: os.stat_result) -> BlobMeta:
        """Metadata for a file put in the folder by hand, without a sidecar."""
        digest = hashlib.md5(usedforsecurity=False)
        os.lseek(fd, 0, os.SEEK_SET)
        while chunk := os.read(fd, CHUNK_SIZE):
            digest.update(chunk)
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        uploaded = datetime.fromtimestamp(st.st_mtime_ns // 1_000_000 / 1000, UTC)
        return BlobMeta(key, st.st_size, digest.hexdigest(), content_type, uploaded)

    def _open(self, key: str) -> tuple[int, BlobMeta] | None:
        """An open descriptor on the object and the metadata of exactly that version."""
        path = self._path(key)
        unexplained: str | None = None
        for _ in range(100):
            try:
                fd = os.open(path, _READ_FLAGS)
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                return None
            try:
                st = os.fstat(fd)
                if stat.S_ISDIR(st.st_mode):
                    os.close(fd)
                    return None
                identity = _identity(st)
                try:
                    record = json.loads(_sidecar(path, identity).read_bytes())
                except FileNotFoundError:
                    if unexplained == identity:  # the same file twice: it has no sidecar
                        return fd, self._describe(fd, key, st)
                    unexplained = identity  # replaced since we opened it: open again
                    os.close(fd)
                    continue
            except BaseException:
                os.close(fd)
                raise
            uploaded = datetime.fromtimestamp(record["uploaded_ms"] / 1000, UTC)
            meta = BlobMeta(
                key,
                st.st_size,
                record["etag"],
                record["content_type"],
                uploaded,
                record["metadata"],
            )
            return fd, meta
        raise OSError(f"blob {key!r} kept changing while being opened")

    def _head(self, key: str) -> BlobMeta | None:
        opened = self._open(key)
        if opened is None:
            return None
        os.close(opened[0])
        return opened[1]

    def _get(
        self, key: str, byte_range: ByteRange | None, conditions: Conditions | None
    ) -> Blob | None:
        opened = self._open(key)
        if opened is None:
            return None
        fd, meta = opened
        try:
            if conditions is not None and not _fresh(meta, conditions):
                os.close(fd)
                return Blob(meta=meta, body=None)
            offset, length = (
                (0, meta.size) if byte_range is None else _resolve(byte_range, meta.size)
            )
        except BaseException:
            os.close(fd)
            raise
        served = None if byte_range is None else (offset, length)
        return Blob(meta=meta, body=_FileChunks(fd, offset, length), served_range=served)

    def _walk(self, directory: Path, key_prefix: str) -> Iterator[str]:
        try:
            entries = list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            if entry.name.startswith(RESERVED):
                continue  # sidecars and writes in progress
            if entry.is_dir():
                yield from self._walk(Path(entry.path), f"{key_prefix}{entry.name}/")
            else:
                yield key_prefix + entry.name

    def _list(self, prefix: str, limit: int, cursor: str | None) -> BlobPage:
        folder = prefix.rpartition("/")[0]
        if folder:
            try:
                validate_key(folder)
            except ValueError:
                return BlobPage([], None)  # no stored key can start with this prefix
        start = self.root.joinpath(*folder.split("/")) if folder else self.root
        keys = sorted(
            key
            for key in self._walk(start, f"{folder}/" if folder else "")
            if key.startswith(prefix) and (cursor is None or key > cursor)
        )
        limit = max(1, min(limit, 1000))
        items = [meta for key in keys[:limit] if (meta := self._head(key)) is not None]
        # The cursor is the last key of this page: the next one continues after it.
        return BlobPage(items, keys[limit - 1] if len(keys) > limit else None)

    # ------------------------------------------------------------ the port

    async def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> BlobMeta:
        return await asyncio.to_thread(
            self._put, key, bytes(data), content_type, dict(metadata or {})
        )

    async def get(
        self,
        key: str,
        *,
        range: ByteRange | None = None,
        conditions: Conditions | None = None,
    ) -> Blob | None:
        return await asyncio.to_thread(self._get, key, range, conditions)

    async def head(self, key: str) -> BlobMeta | None:
        return await asyncio.to_thread(self._head, key)

    async def delete(self, keys: str | Sequence[str]) -> None:
        await asyncio.to_thread(self._delete, [keys] if isinstance(keys, str) else list(keys))

    async def list(
        self, prefix: str = "", *, limit: int = 1000, cursor: str | None = None
    ) -> BlobPage:
        return await asyncio.to_thread(self._list, prefix, limit, cursor)
