"""No stored image carries metadata: the stored bytes, image and thumbnail, are
read back from the blob store and over HTTP and taken apart."""

from __future__ import annotations

import struct

from PIL import Image

from tests.assets.conftest import opened, rows, upload
from tests.assets.imagegen import FAKE_ICC, encode, gradient, jpeg, png

# What the uploads carry, any trace of which must be gone.
TRACES = (
    b"Exif",
    b"CameraMaker",
    b"Model X",
    b"Editor",
    b"Secret Person",
    b"xmpmeta",
    b"shot at home",
    b"51.5",
    b"Author",
    b"lcms",
    FAKE_ICC[:16],
)


def riff_chunks(data: bytes) -> list[bytes]:
    """The chunk ids of a WebP file: VP8 / VP8L / VP8X / ALPH, never EXIF, XMP or ICCP."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, offset = [], 12
    while offset + 8 <= len(data):
        kind, size = (
            data[offset : offset + 4],
            struct.unpack("<I", data[offset + 4 : offset + 8])[0],
        )
        chunks.append(kind)
        offset += 8 + size + (size & 1)
    return chunks


def assert_clean(data: bytes) -> None:
    chunks = riff_chunks(data)
    assert set(chunks) <= {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}, chunks
    if b"VP8X" in chunks:  # its flags byte announces ICC (0x20), EXIF (0x08), XMP (0x04)
        flags = data[20]
        assert flags & (0x20 | 0x08 | 0x04) == 0
    for trace in TRACES:
        assert trace not in data, trace
    image = opened(data)
    assert not image.getexif(), dict(image.getexif())
    assert image.getexif().get_ifd(0x8825) == {}  # no GPS
    for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"):
        assert key not in image.info, key


async def test_no_stored_image_or_thumbnail_carries_exif_gps_xmp_or_icc(alice, runtime) -> None:
    source = jpeg((1200, 900))
    # The upload really carries all of it.
    original = Image.open(__import__("io").BytesIO(source))
    assert original.getexif().get_ifd(0x8825)[2] == (51.0, 30.0, 12.5)
    assert {"icc_profile", "xmp", "comment"} <= set(original.info)

    asset = (await upload(alice, source)).json()
    [row] = await rows(runtime)
    blobs = runtime.ports().blobs
    for key, url in (
        (row["storage_key"], asset["url"]),
        (row["thumbnail_key"], asset["thumbnail_url"]),
    ):
        blob = await blobs.get(key)
        stored = await blob.read()
        assert_clean(stored)
        assert (await alice.get(url)).content == stored


async def test_png_text_chunks_and_webp_metadata_are_dropped_too(alice, runtime) -> None:
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    webp = encode(gradient(), "WEBP", exif=exif.tobytes(), icc_profile=FAKE_ICC)
    for data in (png(), webp):
        asset = (await upload(alice, data)).json()
        for url in (asset["url"], asset["thumbnail_url"]):
            assert_clean((await alice.get(url)).content)
