"""Benchmark: the upload pipeline on a 12-megapixel photo.

1. End to end through the app, in process over ASGI (httpx's transport): the
   multipart upload, the checks, the re-encode (a JPEG drafted at half scale,
   auto-oriented, stripped, scaled to at most 2048 px, WebP, plus a 256 px
   thumbnail), both files written to the local blob store and the row's three
   writes to SQLite.
2. Two bare Pillow baselines on the same file, Pillow called directly with no
   product code around it: the straightforward decode, resize to 2048 px
   (LANCZOS) and encode as WebP at the same quality ("naive"); and the same
   output as the product's, made the shortest way Pillow allows (the JPEG
   drafted at half scale, oriented, fitted to 2048 px, WebP, and the 256 px
   thumbnail): the machine's ceiling for what the upload stores.

Both are timed in interleaved rounds so machine noise hits both alike; the
report gives medians, their ratio (target <= 1.3) and the stored size as a
share of the uploaded file. The photo is made here: gradients, shapes and
grain, so it compresses like a photo rather than like a flat test card.

Run: .venv/bin/python scripts/bench_upload.py [--rounds 5] [--per-round 3]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from core.app import create_app
from core.assets.images import MAX_SIDE, THUMB_SIDE, WEBP_METHOD, WEBP_QUALITY, reencode
from core.local import LocalRuntime, load_settings

SIZE = (4000, 3000)  # 12 MP, 4:3 like a phone's main camera


def photo(quality: int = 90) -> bytes:
    """A 12 MP JPEG that compresses like a photo (about 2.4 MB at quality 90):
    smooth light, edges at many scales, texture at several scales and grain."""
    width, height = SIZE
    sky = Image.linear_gradient("L").resize(SIZE)
    light = Image.radial_gradient("L").resize(SIZE)
    base = Image.merge("RGB", (light, sky.transpose(Image.Transpose.ROTATE_90).resize(SIZE), sky))
    draw = ImageDraw.Draw(base)
    for i in range(400):
        x, y = (i * 7919) % width, (i * 104729) % height
        r = 10 + (i * 37) % 300
        colour = ((i * 53) % 256, (i * 97) % 256, (i * 151) % 256)
        draw.ellipse((x - r, y - r // 2, x + r, y + r // 2), fill=colour)
    base = base.filter(ImageFilter.GaussianBlur(2))
    texture: Image.Image | None = None
    for divisor, sigma in ((32, 60), (8, 50), (2, 40)):  # foliage, fabric, pores
        small = (width // divisor, height // divisor)
        layer = Image.merge("RGB", [Image.effect_noise(small, sigma) for _ in range(3)])
        layer = layer.resize(SIZE, Image.Resampling.BICUBIC)
        texture = layer if texture is None else Image.blend(texture, layer, 0.5)
    assert texture is not None
    image = Image.blend(base, texture, 0.35)
    grain = Image.merge("RGB", [Image.effect_noise(SIZE, 12)] * 3)
    image = Image.blend(image, grain, 0.08)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def bare_pillow(data: bytes) -> bytes:
    """The straightforward pipeline: decode all of it, resize, encode."""
    image = Image.open(io.BytesIO(data))
    image.load()
    scale = MAX_SIDE / max(image.size)
    size = (round(image.width * scale), round(image.height * scale))
    resized = image.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    resized.save(out, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    return out.getvalue()


def bare_same_output(data: bytes) -> tuple[bytes, bytes]:
    """What the product stores (image and thumbnail), by Pillow alone."""
    image = Image.open(io.BytesIO(data))
    image.draft(None, (image.width // 2, image.height // 2))
    image = ImageOps.exif_transpose(image.convert("RGB"))
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    encoded = []
    for picture in (image, thumbnail):
        out = io.BytesIO()
        picture.save(out, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
        encoded.append(out.getvalue())
    return encoded[0], encoded[1]


async def main(rounds: int, per_round: int) -> None:
    data = photo()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            {},
            data_dir=Path(tmp) / "data",
            run_cron=False,
            rate_limit=100_000,
            password_iterations=1000,
        )
        runtime = LocalRuntime(settings, run_scheduler=False)
        await runtime.startup()
        app = create_app(settings, runtime)
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            signup = await client.post(
                "/api/auth/register",
                json={
                    "email": "b@example.com",
                    "username": "bench",
                    "password": "correct horse battery",
                },
            )
            assert signup.status_code == 201, signup.text
            client.headers["authorization"] = "Bearer " + signup.json()["access_token"]

            async def through_app() -> dict:
                response = await client.post(
                    "/api/assets",
                    files={"file": ("photo.jpg", data, "image/jpeg")},
                    data={"purpose": "asset"},
                )
                assert response.status_code == 201, response.text
                return response.json()

            asset = await through_app()  # warm up both paths once
            bare_out = bare_pillow(data)
            same_out = bare_same_output(data)
            timings: dict[str, list[tuple[float, float]]] = {
                "app": [],
                "bare": [],
                "same": [],
                "core": [],
            }

            async def timed(name: str, work: Callable[[], Awaitable[object]]) -> None:
                wall, cpu = time.perf_counter(), time.process_time()
                await work()
                timings[name].append((time.perf_counter() - wall, time.process_time() - cpu))

            async def bare() -> None:
                bare_pillow(data)

            async def same() -> None:
                bare_same_output(data)

            async def core() -> None:
                reencode(data, "image/jpeg")

            for _ in range(rounds):
                for _ in range(per_round):
                    await timed("bare", bare)
                for _ in range(per_round):
                    await timed("same", same)
                for _ in range(per_round):
                    await timed("app", through_app)
                await timed("core", core)
        await runtime.shutdown()

    def ms(name: str, which: int) -> float:
        return statistics.median(t[which] for t in timings[name]) * 1000

    sizes = asset["sizes"]
    print(f"input: {SIZE[0]}x{SIZE[1]} JPEG, {len(data) / 1e6:.2f} MB")
    print("                                   wall ms   CPU ms")
    print(
        f"bare Pillow decode-resize-encode: {ms('bare', 0):8.1f} {ms('bare', 1):8.1f}"
        f"  -> 2048 px, {len(bare_out) / 1e3:.0f} kB"
    )
    print(
        f"bare Pillow, the product's output: {ms('same', 0):7.1f} {ms('same', 1):8.1f}"
        f"  -> {len(same_out[0]) / 1e3:.0f} kB + thumbnail {len(same_out[1]) / 1e3:.1f} kB"
    )
    print(f"product re-encode alone (draft):  {ms('core', 0):8.1f} {ms('core', 1):8.1f}")
    print(
        f"through the app (end to end):     {ms('app', 0):8.1f} {ms('app', 1):8.1f}  -> "
        f"{asset['width']}x{asset['height']}, {sizes['stored'] / 1e3:.0f} kB"
        f" + thumbnail {sizes['thumbnail'] / 1e3:.1f} kB"
    )
    print(
        f"app / bare Pillow, the same output: {ms('app', 0) / ms('same', 0):.2f} wall,"
        f" {ms('app', 1) / ms('same', 1):.2f} CPU  (target <= 1.3)"
    )
    print(
        f"app / bare Pillow, naive: {ms('app', 0) / ms('bare', 0):.2f} wall,"
        f" {ms('app', 1) / ms('bare', 1):.2f} CPU"
    )
    print(f"stored size / input size: {sizes['stored'] / len(data):.1%}")
    print(f"({rounds} rounds x {per_round} of each, medians; CPU is the whole process's)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.per_round))
