"""Images decode within a memory budget (issue 16, point 4)."""

from __future__ import annotations

import asyncio
import io
import threading
import time

import pytest
from PIL import Image

from core.assets import images
from core.assets.images import (
    DECODE_BUDGET,
    MAX_DECODED_PIXELS,
    ImageRejected,
    decode_cost,
    probe,
    reencode_off_loop,
)
from core.local import SerialOffload


def solid_png(width: int, height: int) -> bytes:
    """A small file of many pixels: one colour compresses to almost nothing."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(out, "PNG", optimize=True)
    return out.getvalue()


def test_a_tiny_png_of_40_megapixels_is_refused_from_its_header() -> None:
    data = solid_png(6320, 6320)
    assert len(data) < 200_000  # the case: tens of KB, 40 MP
    with pytest.raises(ImageRejected) as refused:
        probe(data, "image/png")
    assert refused.value.code == "too_many_pixels"


def test_the_largest_png_allowed_decodes_within_the_budget() -> None:
    side = int(MAX_DECODED_PIXELS**0.5)
    assert decode_cost(side, side, "RGB") <= DECODE_BUDGET
    assert probe(solid_png(side, side), "image/png") == (side, side)
    with pytest.raises(ImageRejected):
        probe(solid_png(side + 8, side + 8), "image/png")


def test_a_40_megapixel_jpeg_decodes_at_a_scale_within_the_budget() -> None:
    out = io.BytesIO()
    Image.new("RGB", (7300, 5475), (10, 120, 200)).save(out, "JPEG", quality=50)
    with Image.open(io.BytesIO(out.getvalue())) as image:
        scale = images._draft_scale(image)
        width, height = image.size
        assert decode_cost(-(-width // scale), -(-height // scale), image.mode) <= DECODE_BUDGET
    result = images.reencode(out.getvalue(), "image/jpeg")
    assert max(result.image.width, result.image.height) >= 1800


async def test_one_image_decodes_at_a_time(monkeypatch) -> None:
    active, most = 0, 0
    lock = threading.Lock()

    def slow_reencode(data, media_type, *, square_thumbnail=False):
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        return "done"

    monkeypatch.setattr(images, "reencode", slow_reencode)
    offload = SerialOffload()  # the local runtime's
    try:
        results = await asyncio.gather(
            *(reencode_off_loop(offload, b"", "image/png") for _ in range(4))
        )
    finally:
        offload.close()
    assert results == ["done"] * 4
    assert most == 1
