"""The parsers and judges on their own: magic bytes, ranges, file names, re-encoding."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.assets.form import clean_file_name
from core.assets.images import MAX_PIXELS, ImageRejected, probe, reencode
from core.assets.keys import keys_for, served_key
from core.assets.serve import parse_range
from core.assets.sniff import describe, sniff
from core.ports import ByteRange
from tests.assets.conftest import opened
from tests.assets.imagegen import encode, gradient, jpeg, png, png_bomb


def test_magic_bytes_name_the_accepted_types() -> None:
    assert sniff(jpeg()[:64]) == "image/jpeg"
    assert sniff(png()[:64]) == "image/png"
    assert sniff(encode(gradient(), "WEBP")[:64]) == "image/webp"
    assert sniff(encode(gradient().convert("P"), "GIF")[:64]) == "image/gif"
    assert sniff(b"RIFF\0\0\0\0WAVEfmt ") is None
    assert sniff(encode(gradient(), "BMP")[:64]) is None
    assert describe(encode(gradient(), "BMP")[:64]) == "image/bmp"
    assert describe(encode(gradient(), "TIFF")[:64]) == "image/tiff"
    assert describe(b'\xef\xbb\xbf  <?xml version="1.0"?><svg') == "image/svg+xml"
    assert describe(b"<?xml version='1.0'?><feed>") == "application/xml"
    assert describe(b"\n<HTML><BODY>") == "text/html"
    assert describe(b"\0\0\0\x1cftypavif") == "image/avif"
    assert describe(b"plain") is None


@given(st.binary(max_size=64))
def test_sniffing_never_fails_on_any_bytes(head: bytes) -> None:
    assert sniff(head) in (None, "image/jpeg", "image/png", "image/gif", "image/webp")
    describe(head)


@given(st.integers(0, 2**53), st.integers(0, 2**53))
def test_a_byte_range_round_trips(first: int, last: int) -> None:
    parsed = parse_range(f"bytes={first}-{last}")
    if last < first:
        assert parsed is None
    else:
        assert parsed == ByteRange(offset=first, length=last - first + 1)
    assert parse_range(f"bytes={first}-") == ByteRange(offset=first)
    assert parse_range(f"bytes=-{last}") == ByteRange(suffix=last)


@pytest.mark.parametrize(
    "header", [None, "", "bytes=", "bytes=-", "bytes=1-2,3-4", "items=0-1", "bytes=a-b"]
)
def test_ranges_that_are_ignored(header) -> None:
    assert parse_range(header) is None


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("photo.jpg", "photo.jpg"),
        ("C:\\Users\\me\\photo.jpg", "photo.jpg"),
        ("../../etc/passwd", "passwd"),
        ("a\x00b\nc.png", "abc.png"),
        ("", "upload"),
        ("x" * 300, "x" * 255),
    ],
)
def test_file_names_are_kept_for_display_only(raw: str, clean: str) -> None:
    assert clean_file_name(raw) == clean


def test_keys_are_derived_from_the_content() -> None:
    a, b = keys_for("U1", b"one"), keys_for("U1", b"two")
    assert a.image != b.image and a.image.startswith("u/U1/assets/") and a.image.endswith(".webp")
    assert a.thumbnail == a.image.removesuffix(".webp") + ".thumb.webp"
    assert served_key("U1", a.image_url.rsplit("/", 1)[1]) == a.image
    assert served_key("U1", "x.webp") is None and served_key("../U1", "0" * 64 + ".webp") is None


def test_the_pixel_count_is_checked_from_the_header() -> None:
    assert probe(png((300, 200)), "image/png") == (300, 200)
    with pytest.raises(ImageRejected) as caught:
        probe(png_bomb(10_000, 4_001), "image/png")
    assert caught.value.code == "too_many_pixels"
    assert MAX_PIXELS < 10_000 * 4_001 < 2 * MAX_PIXELS
    # Where Pillow's warning is only a warning (not an error, as under pytest),
    # the check of the header still refuses it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ImageRejected) as caught:
            probe(png_bomb(10_000, 4_001), "image/png")
    assert caught.value.code == "too_many_pixels"
    with pytest.raises(ImageRejected):  # a PNG's bytes do not pass as a JPEG
        probe(png(), "image/jpeg")


def test_reencoding_drafts_large_jpegs_and_scales_the_rest() -> None:
    result = reencode(jpeg((4032, 3024), metadata=False), "image/jpeg")
    assert (result.image.width, result.image.height) == (2016, 1512)
    # Just over 2048 but not twice it: decoded whole, then scaled to exactly 2048.
    result = reencode(jpeg((3000, 2000), metadata=False), "image/jpeg")
    assert (result.image.width, result.image.height) == (2048, 1365)
    assert opened(result.thumbnail.data).size == (256, 171)
    square = reencode(png((300, 120)), "image/png", square_thumbnail=True)
    assert opened(square.thumbnail.data).size == (120, 120)


async def test_reencoding_runs_off_the_event_loop(alice, monkeypatch) -> None:
    import asyncio
    import time

    from core.assets import images

    real = images.reencode
    finished: list[str] = []

    def slow(*args, **kwargs):
        time.sleep(0.5)  # blocks its thread, not the loop
        return real(*args, **kwargs)

    monkeypatch.setattr(images, "reencode", slow)

    async def uploading() -> None:
        response = await alice.post(
            "/api/assets", files={"file": ("a.png", png(), "image/png")}, data={"purpose": "asset"}
        )
        assert response.status_code == 201
        finished.append("upload")

    async def meanwhile() -> None:
        await asyncio.sleep(0.1)
        assert (await alice.get("/api/assets")).status_code == 200
        finished.append("list")

    await asyncio.gather(uploading(), meanwhile())
    assert finished == ["list", "upload"]


async def test_without_threads_reencoding_runs_inline(monkeypatch) -> None:
    """The ports' default offload (the edge's: Pyodide has no threads) never starts one."""
    import asyncio

    from core.assets import images
    from core.ports import Ports

    async def no_threads(*args, **kwargs):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(asyncio, "to_thread", no_threads)
    inline = Ports.__dataclass_fields__["offload"].default
    result = await images.reencode_off_loop(inline, png((40, 30)), "image/png")
    assert (result.image.width, result.image.height) == (40, 30)
