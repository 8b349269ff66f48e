"""Re-encoding an uploaded image: decoded by Pillow from the allowed formats only,
auto-oriented, stripped of every piece of metadata, scaled to at most
``MAX_SIDE`` pixels and stored as WebP, with a ``THUMB_SIDE`` thumbnail.

Re-encoding is also the security step: nothing of the uploaded file but its
pixels survives, so EXIF and GPS tags, XMP, ICC profiles, comments and any
payload hidden in the file are gone (OWASP). The pixel count is checked from
the header before anything is decoded, far below Pillow's own bomb limit.

Decoding runs within a memory budget (``DECODE_BUDGET``, sized for the edge
isolate's 128 MB): a JPEG decodes at the DCT scale that fits it, any other
image whose decoded pixels would not fit is refused from its header alone.
Locally one image decodes at a time per process, on one thread, and the memory
is handed back to the system afterwards.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

from core.assets.sniff import ACCEPTED
from core.ports import Offload

# 40 megapixels: every phone and most cameras, and a bound on decoding memory.
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
THUMB_SIDE = 256
WEBP_QUALITY = 80
WEBP_METHOD = 4  # libwebp's default effort: 6 is ~2x slower for ~3% smaller files
# A JPEG is decoded at 1/2, 1/4 or 1/8 scale (in the DCT, far faster) when the
# result's long side stays within this share under MAX_SIDE: a 4032 px photo
# is decoded at 2016 px rather than decoded whole and then scaled to 2048.
DRAFT_SHORTFALL = 0.10

# What decoding one image may take: the decoded pixels, one converted copy of
# them, and the scaled result. At the edge the whole isolate has 128 MB.
DECODE_BUDGET = 80 * 1024 * 1024
_SCALED = MAX_SIDE * MAX_SIDE * 4
# Bytes a decoded pixel takes in Pillow (RGB is stored in 32 bits, like RGBA).
_PIXEL_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2}


def decode_cost(width: int, height: int, mode: str) -> int:
    """Bytes decoding a ``width`` x ``height`` image of ``mode`` takes at its peak."""
    return width * height * _PIXEL_BYTES.get(mode, 4) * 2 + _SCALED


# The most pixels any image may decode to: what the budget holds at 4 bytes each.
MAX_DECODED_PIXELS = (DECODE_BUDGET - _SCALED) // 8

# Pillow warns above this many pixels and refuses above twice it. Uploads are
# refused above it by the check in ``_open`` before Pillow decodes anything.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class ImageRejected(Exception):
    """The bytes are not an image this service will store (a 422 for the client)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Encoded:
    data: bytes
    width: int
    height: int
    media_type: str = "image/webp"


@dataclass(frozen=True, slots=True)
class Reencoded:
    image: Encoded
    thumbnail: Encoded


def _too_big(width: int, height: int) -> ImageRejected:
    return ImageRejected(
        "too_many_pixels",
        f"The image is {width}x{height} pixels; at most {MAX_PIXELS:,} pixels are accepted.",
    )


def _open(data: bytes, media_type: str) -> Image.Image:
    """The image, opened (header only) by the one decoder its magic bytes named."""
    try:
        image = Image.open(io.BytesIO(data), formats=[ACCEPTED[media_type]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("too_many_pixels", str(exc)) from exc
    except MemoryError:
        raise
    except Exception as exc:  # UnidentifiedImageError, OSError, SyntaxError, ...
        raise ImageRejected("undecodable", "The image cannot be read.") from exc
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        image.close()
        raise _too_big(width, height)
    scale = _draft_scale(image)
    if decode_cost(-(-width // scale), -(-height // scale), image.mode) > DECODE_BUDGET:
        image.close()
        raise ImageRejected(
            "too_many_pixels",
            f"The image is {width}x{height} pixels, more than can be decoded here; "
            f"at most {MAX_DECODED_PIXELS:,} pixels are accepted for {image.format} "
            f"(a JPEG up to {MAX_PIXELS:,}: it decodes at a reduced scale).",
        )
    return image


def probe(data: bytes, media_type: str) -> tuple[int, int]:
    """Width and height from the header alone; raises ``ImageRejected``. Cheap."""
    with _open(data, media_type) as image:
        return image.size


def _draft_scale(image: Image.Image) -> int:
    """The DCT scale (1, 2, 4 or 8) a JPEG decodes at: the smallest picture that
    still fills MAX_SIDE, or a smaller one when that would not fit the budget.
    Other formats always decode whole (1)."""
    if image.format != "JPEG":
        return 1
    width, height = image.size
    floor = MAX_SIDE * (1 - DRAFT_SHORTFALL)
    quality = next((s for s in (8, 4, 2) if -(-max(width, height) // s) >= floor), 1)
    for scale in (1, 2, 4, 8):
        if scale < quality:
            continue
        if decode_cost(-(-width // scale), -(-height // scale), image.mode) <= DECODE_BUDGET:
            return scale
    return 8


def _draft(image: Image.Image) -> None:
    """Let a JPEG decode at its ``_draft_scale``."""
    scale = _draft_scale(image)
    if scale > 1:
        width, height = image.size
        image.draft(None, (width // scale, height // scale))


def _pixels_only(image: Image.Image) -> Image.Image:
    """RGB, or RGBA when it has real transparency; first frame only."""
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    target = "RGBA" if image.has_transparency_data else "RGB"
    if image.mode != target:
        image = image.convert(target)
    if target == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")  # an alpha channel with nothing in it
    return image


def _fit(image: Image.Image, side: int) -> Image.Image:
    if max(image.size) > side:
        image.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return image


def _thumbnail(image: Image.Image, square: bool) -> Image.Image:
    if square:
        side = min(THUMB_SIDE, *image.size)
        return ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
    return _fit(image.copy(), THUMB_SIDE)


def _webp(image: Image.Image) -> Encoded:
    image.info.clear()  # nothing the source carried rides along
    out = io.BytesIO()
    image.save(out, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD, exif=b"", icc_profile=None)
    return Encoded(out.getvalue(), *image.size)


def reencode(data: bytes, media_type: str, *, square_thumbnail: bool = False) -> Reencoded:
    """The stored image and its thumbnail; raises ``ImageRejected``. CPU-heavy:
    call it through ``reencode_off_loop`` from async code."""
    with _open(data, media_type) as source:
        try:
            _draft(source)
            source.load()
            # ICC profiles are dropped, not applied: Pyodide's Pillow has no
            # LittleCMS, and the edge and local runs must store the same pixels.
            ImageOps.exif_transpose(source, in_place=True)
            image = _fit(_pixels_only(source), MAX_SIDE)
            thumbnail = _thumbnail(image, square_thumbnail)
            return Reencoded(_webp(image), _webp(thumbnail))
        except MemoryError:
            raise
        except Exception as exc:  # truncated data, corrupt chunks, bad EXIF, ...
            raise ImageRejected("undecodable", "The image cannot be decoded.") from exc


async def reencode_off_loop(
    offload: Offload, data: bytes, media_type: str, *, square_thumbnail: bool = False
) -> Reencoded:
    """``reencode`` through the runtime's ``offload``, not blocking the event loop.

    Locally that is one worker thread, one image at a time: Pillow releases the
    GIL while it decodes, resizes and encodes, so the loop keeps serving other
    requests meanwhile, and uploads arriving together wait their turn instead of
    each holding its own decoded pixels (four 40 MP images at once reached 1.1 GB).
    At the edge there are no threads to move it to: it runs inline and holds its
    isolate for its CPU time (about 0.4 s natively for a 12 MP photo, a few times
    that in WebAssembly), which counts against the Worker's CPU limit: uploads
    need the paid plan's (30 s by default), not the free plan's 10 ms. A request
    that reaches the same isolate meanwhile waits for it.
    """
    return await offload(reencode, data, media_type, square_thumbnail=square_thumbnail)
