"""The ``BlobStore`` contract: R2's model, held by every adapter."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import pytest

from core.ports import ByteRange, Conditions, RangeNotSatisfiable

DATA = bytes(range(256)) * 1000  # 256,000 bytes: several chunks


@pytest.fixture
def blobs(blobstore):
    return blobstore.adapter


async def test_put_get_head_delete(blobs) -> None:
    meta = await blobs.put("assets/u1/photo.webp", DATA, content_type="image/webp")
    assert (meta.key, meta.size, meta.content_type) == (
        "assets/u1/photo.webp",
        len(DATA),
        "image/webp",
    )
    assert meta.etag == hashlib.md5(DATA).hexdigest()
    assert meta.http_etag == f'"{meta.etag}"'

    blob = await blobs.get("assets/u1/photo.webp")
    assert blob is not None and blob.meta == meta
    assert await blob.read() == DATA

    assert await blobs.head("assets/u1/photo.webp") == meta
    await blobs.delete("assets/u1/photo.webp")
    assert await blobs.get("assets/u1/photo.webp") is None
    assert await blobs.head("assets/u1/photo.webp") is None
    await blobs.delete("assets/u1/photo.webp")  # deleting a missing key is fine


async def test_empty_objects(blobs) -> None:
    meta = await blobs.put("empty", b"", content_type="text/plain")
    assert meta.size == 0
    blob = await blobs.get("empty")
    assert blob is not None and await blob.read() == b""


async def test_content_type_and_custom_metadata_round_trip(blobs) -> None:
    custom = {"owner": "u1", "original-name": "Été ✓.png"}
    await blobs.put("m", b"x", content_type="image/png", metadata=custom)
    head = await blobs.head("m")
    assert head is not None
    assert head.content_type == "image/png"
    assert dict(head.custom_metadata) == custom
    await blobs.put("m", b"y", content_type="text/plain")
    head = await blobs.head("m")
    assert head is not None and (head.content_type, dict(head.custom_metadata)) == (
        "text/plain",
        {},
    )


async def test_etag_is_stable_and_follows_the_content(blobs) -> None:
    first = await blobs.put("e", b"one", content_type="text/plain")
    again = await blobs.put("e", b"one", content_type="text/plain")
    changed = await blobs.put("e", b"two", content_type="text/plain")
    assert first.etag == again.etag
    assert changed.etag != first.etag
    head = await blobs.head("e")
    assert head is not None and head.etag == changed.etag


@pytest.mark.parametrize(
    ("byte_range", "expected"),
    [
        (ByteRange(offset=10, length=100), (10, 100)),
        (ByteRange(offset=0, length=1), (0, 1)),
        (ByteRange(offset=len(DATA) - 5), (len(DATA) - 5, 5)),
        (ByteRange(suffix=1000), (len(DATA) - 1000, 1000)),
        (ByteRange(offset=100_000, length=70_000), (100_000, 70_000)),
    ],
    ids=["offset-length", "first-byte", "offset-to-end", "suffix", "across-chunks"],
)
async def test_ranges(blobs, byte_range, expected) -> None:
    await blobs.put("r", DATA, content_type="application/octet-stream")
    blob = await blobs.get("r", range=byte_range)
    assert blob is not None
    offset, length = expected
    assert blob.served_range == expected
    assert await blob.read() == DATA[offset : offset + length]
    assert blob.meta.size == len(DATA)


async def test_a_range_outside_the_object_is_not_satisfiable(blobs) -> None:
    await blobs.put("r", b"0123456789", content_type="text/plain")
    with pytest.raises(RangeNotSatisfiable):
        await blobs.get("r", range=ByteRange(offset=10, length=1))
    with pytest.raises(RangeNotSatisfiable):
        await blobs.get("r", range=ByteRange(offset=1000))


async def test_if_none_match_on_the_current_etag_gives_no_body(blobs) -> None:
    meta = await blobs.put("c", b"content", content_type="text/plain")
    for tag in (meta.etag, meta.http_etag, "*"):
        blob = await blobs.get("c", conditions=Conditions(if_none_match=tag))
        assert blob is not None and blob.body is None and blob.meta.etag == meta.etag
    blob = await blobs.get("c", conditions=Conditions(if_none_match='"something-else"'))
    assert blob is not None and await blob.read() == b"content"


async def test_if_match_on_another_etag_gives_no_body(blobs) -> None:
    meta = await blobs.put("c", b"content", content_type="text/plain")
    blob = await blobs.get("c", conditions=Conditions(if_match='"something-else"'))
    assert blob is not None and blob.body is None
    blob = await blobs.get("c", conditions=Conditions(if_match=meta.http_etag))
    assert blob is not None and await blob.read() == b"content"


async def test_if_modified_since(blobs) -> None:
    meta = await blobs.put("c", b"content", content_type="text/plain")
    blob = await blobs.get("c", conditions=Conditions(if_modified_since=meta.uploaded))
    assert blob is not None and blob.body is None
    later = meta.uploaded + timedelta(days=1)
    blob = await blobs.get("c", conditions=Conditions(if_modified_since=later))
    assert blob is not None and blob.body is None
    earlier = meta.uploaded - timedelta(days=1)
    blob = await blobs.get("c", conditions=Conditions(if_modified_since=earlier))
    assert blob is not None and await blob.read() == b"content"


async def test_list_by_prefix_sorted_and_paged(blobs) -> None:
    keys = ["a/b", "a-c", "a/aa/z", "a/a", "b", "a/c/d/e"]
    for key in keys:
        await blobs.put(key, key.encode(), content_type="text/plain")
    page = await blobs.list()
    assert [m.key for m in page.items] == sorted(keys)
    assert page.cursor is None
    assert [m.key for m in (await blobs.list("a/")).items] == ["a/a", "a/aa/z", "a/b", "a/c/d/e"]
    assert [m.key for m in (await blobs.list("a/a")).items] == ["a/a", "a/aa/z"]
    item = (await blobs.list("b")).items[0]
    assert (item.key, item.size, item.content_type) == ("b", 1, "text/plain")

    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = await blobs.list(limit=4, cursor=cursor)
        assert len(page.items) <= 4
        seen.extend(m.key for m in page.items)
        cursor = page.cursor
        if cursor is None:
            break
    assert seen == sorted(keys)


async def test_delete_many_keys_at_once(blobs) -> None:
    for key in ("d/1", "d/2", "d/3"):
        await blobs.put(key, b"x", content_type="text/plain")
    await blobs.delete(["d/1", "d/3", "d/missing"])
    assert [m.key for m in (await blobs.list("d/")).items] == ["d/2"]


async def test_an_overwrite_is_never_seen_torn(blobs) -> None:
    versions = {
        hashlib.md5(body).hexdigest(): (body, content_type)
        for body, content_type in [
            (b"A" * 300_000, "text/a"),
            (b"B" * 150_000, "text/b"),
            (bytes(range(256)) * 900, "text/c"),
        ]
    }
    bodies = list(versions.values())
    await blobs.put("hot", bodies[0][0], content_type=bodies[0][1])
    done = asyncio.Event()

    async def write() -> None:
        for i in range(60):
            body, content_type = bodies[i % len(bodies)]
            await blobs.put("hot", body, content_type=content_type)
        done.set()

    async def read() -> int:
        reads = 0
        while not done.is_set() or reads == 0:
            blob = await blobs.get("hot")
            assert blob is not None
            data = await blob.read()
            body, content_type = versions[blob.meta.etag]
            assert data == body
            assert (blob.meta.size, blob.meta.content_type) == (len(body), content_type)
            reads += 1
        return reads

    results = await asyncio.gather(write(), read(), read(), read())
    assert all(n > 0 for n in results[1:])


@pytest.mark.parametrize("key", ["../escape", "a/../../escape", "a/../b"])
async def test_path_traversal_keys_are_refused(blobs, key) -> None:
    with pytest.raises(ValueError):
        await blobs.put(key, b"x", content_type="text/plain")
