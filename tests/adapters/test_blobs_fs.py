"""What only the folder blob store promises: its files, its keys, crashes mid-write."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import os
from pathlib import Path

import pytest

from core.adapters import blobs_fs
from core.adapters.blobs_fs import FolderBlobStore


@pytest.fixture
def store(tmp_path: Path) -> FolderBlobStore:
    return FolderBlobStore(tmp_path / "blobs")


async def test_objects_are_plain_files_under_the_root(store) -> None:
    await store.put("assets/u1/a.txt", b"hello", content_type="text/plain")
    assert (store.root / "assets" / "u1" / "a.txt").read_bytes() == b"hello"
    names = sorted(os.listdir(store.root / "assets" / "u1"))
    assert len(names) == 2 and names[1] == "a.txt"
    assert names[0].startswith(".~a.txt.") and names[0].endswith(".meta")


async def test_overwrites_leave_one_sidecar(store) -> None:
    for body in (b"1", b"22", b"333"):
        await store.put("k", body, content_type="text/plain")
    names = sorted(os.listdir(store.root))
    assert len(names) == 2 and names[1] == "k"
    assert names[0].startswith(".~k.") and names[0].endswith(".meta")


async def test_a_crash_mid_write_leaves_nothing_visible(store, monkeypatch) -> None:
    await store.put("doc", b"old", content_type="text/plain")
    real_replace = os.replace

    def crash_on_commit(src, dst):
        if Path(dst).name == "doc":
            raise KeyboardInterrupt  # the process dies at the commit point
        real_replace(src, dst)

    monkeypatch.setattr(blobs_fs.os, "replace", crash_on_commit)
    with pytest.raises(KeyboardInterrupt):
        await store.put("doc", b"new", content_type="text/plain")
    monkeypatch.undo()
    blob = await store.get("doc")
    assert blob is not None and await blob.read() == b"old"
    assert [m.key for m in (await store.list()).items] == ["doc"]


async def test_leftovers_of_a_killed_writer_are_invisible(store) -> None:
    await store.put("dir/doc", b"ok", content_type="text/plain")
    # What a process killed mid-put leaves behind: a temp file and a stray sidecar.
    (store.root / "dir" / ".~doc.0123456789abcdef.tmp").write_bytes(b"half")
    (store.root / "dir" / ".~doc.1-2-3.meta").write_text("{}")
    (store.root / "dir" / ".~new.0123456789abcdef.tmp").write_bytes(b"half")
    page = await store.list()
    assert [m.key for m in page.items] == ["dir/doc"]
    blob = await store.get("dir/doc")
    assert blob is not None and await blob.read() == b"ok"


async def test_a_file_placed_by_hand_is_served(store) -> None:
    (store.root / "docs").mkdir(parents=True)
    (store.root / "docs" / "readme.txt").write_bytes(b"by hand")
    meta = await store.head("docs/readme.txt")
    assert meta is not None
    assert (meta.size, meta.content_type) == (7, "text/plain")
    assert meta.etag == hashlib.md5(b"by hand").hexdigest()


@pytest.mark.parametrize(
    "key",
    ["", "/etc/passwd", "a//b", "a/./b", "..", "a\\b", "a\x00b", "a/", ".~meta", "a/.~b"],
)
async def test_unsafe_or_reserved_keys_are_refused(store, key) -> None:
    with pytest.raises(ValueError):
        await store.put(key, b"x", content_type="text/plain")
    with pytest.raises(ValueError):
        await store.get(key)


async def test_a_key_cannot_be_both_an_object_and_a_folder(store) -> None:
    await store.put("a/b", b"x", content_type="text/plain")
    with pytest.raises(ValueError, match="folder"):
        await store.put("a", b"x", content_type="text/plain")
    with pytest.raises(ValueError, match="existing object"):
        await store.put("a/b/c", b"x", content_type="text/plain")
    assert await store.get("a") is None
    assert await store.get("a/b/c") is None


async def test_deleting_the_last_object_prunes_its_folders(store) -> None:
    await store.put("x/y/z", b"1", content_type="text/plain")
    await store.delete("x/y/z")
    assert os.listdir(store.root) == []
    await store.put("x", b"now an object", content_type="text/plain")
    assert [m.key for m in (await store.list()).items] == ["x"]


async def test_a_prefix_with_dot_dot_lists_nothing(store) -> None:
    await store.put("a", b"x", content_type="text/plain")
    assert (await store.list("../")).items == []
    assert (await store.list("a/../")).items == []


async def test_an_unread_body_releases_its_file(store) -> None:
    await store.put("k", b"x" * 10, content_type="text/plain")
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    blob = await store.get("k")
    assert blob is not None and blob.body is not None
    del blob
    await asyncio.sleep(0)  # let the loop drop its last handle on the finished future
    gc.collect()
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before
