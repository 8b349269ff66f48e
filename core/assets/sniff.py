"""What a file is, judged by its first bytes: never by its name or the
Content-Type the client sent (OWASP: allow-list types, check magic bytes).

Only raster images Pillow re-encodes are accepted. PDF is refused too: it
cannot be re-encoded here, so it would be stored with its metadata (author,
XMP) and any active content as it came, which the product promises never to do.
"""

from __future__ import annotations

# Accepted types: the MIME type and the Pillow format that must decode it.
ACCEPTED: dict[str, str] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
}
# Enough of the head of a file for every signature below.
HEAD_BYTES = 64

# Refused types a person may well try, named in the error so it helps.
_REFUSED_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
)
_MARKUP = (b"<svg", b"<?xml", b"<!doctype", b"<html", b"<head", b"<body", b"<script")


def sniff(head: bytes) -> str | None:
    """The accepted MIME type these first bytes show, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def describe(head: bytes) -> str | None:
    """Best guess at a refused file's type, for the error message; None when unknown."""
    for prefix, media in _REFUSED_PREFIXES:
        if head.startswith(prefix):
            return media
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
            return "image/heic"
        if brand in (b"avif", b"avis"):
            return "image/avif"
        return "video/mp4"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not text.startswith(_MARKUP):
        return None
    if b"<svg" in text:
        return "image/svg+xml"
    return "application/xml" if text.startswith(b"<?xml") else "text/html"
