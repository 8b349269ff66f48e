"""Test images made with Pillow: photos with EXIF and GPS, bombs, broken files."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>'
    b"Secret Person</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
)
# Bytes shaped like an ICC profile header: carried along, never parsed.
FAKE_ICC = b"\x00\x00\x02\x0clcms\x02\x10\x00\x00mntrRGB XYZ " + b"\x00" * 500


def gradient(size: tuple[int, int] = (640, 480), mode: str = "RGB") -> Image.Image:
    """Something with structure, so orientation and scaling can be checked."""
    width, height = size
    image = Image.linear_gradient("L").resize(size)
    rgb = Image.merge("RGB", (image, image.transpose(Image.Transpose.ROTATE_180), image))
    ImageDraw.Draw(rgb).rectangle((0, 0, width // 4, height // 4), fill=(255, 0, 0))
    return rgb.convert(mode)


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0131] = "Editor 1.0"  # Software
    exif[0x0112] = orientation
    gps = {
        1: "N",
        2: (51.0, 30.0, 12.5),  # latitude
        3: "W",
        4: (0.0, 7.0, 39.0),  # longitude
    }
    exif[0x8825] = gps  # GPSInfo IFD
    return exif


def jpeg(
    size: tuple[int, int] = (640, 480),
    *,
    orientation: int = 1,
    quality: int = 90,
    metadata: bool = True,
) -> bytes:
    """A JPEG with EXIF (camera, GPS position, orientation), XMP, an ICC profile and a comment."""
    out = io.BytesIO()
    extra: dict = {}
    if metadata:
        extra = {
            "exif": exif_with_gps(orientation).tobytes(),
            "xmp": XMP,
            "icc_profile": FAKE_ICC,
            "comment": b"shot at home",
        }
    gradient(size).save(out, "JPEG", quality=quality, **extra)
    return out.getvalue()


def png(size: tuple[int, int] = (320, 240), mode: str = "RGB", *, text: bool = True) -> bytes:
    from PIL import PngImagePlugin

    out = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Author", "Secret Person")
        info.add_text("GPS", "51.5,-0.12")
    gradient(size, mode).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A PNG that declares width x height pixels in a few hundred bytes: a decompression bomb.
    Its data would inflate to width*height bytes of zeros; only the first rows are here."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    rows = (b"\x00" + b"\x00" * width) * 8
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: int(len(data) * keep)]
