"""POST /api/assets over HTTP: what is accepted, how it is stored, what is refused."""

from __future__ import annotations

from PIL import Image

from tests.assets.conftest import opened, rows, stored_keys, upload, user_id
from tests.assets.imagegen import encode, gradient, jpeg, png, png_bomb, truncated

MIB = 1024 * 1024


async def test_a_jpeg_is_stored_as_webp_at_its_public_url(alice, runtime) -> None:
    response = await upload(alice, jpeg((640, 480)), name="holiday.jpg")
    assert response.status_code == 201, response.text
    asset = response.json()
    assert asset["status"] == "ready"
    assert asset["type"] == "image/webp" and asset["source_type"] == "image/jpeg"
    assert asset["purpose"] == "asset" and asset["file_name"] == "holiday.jpg"
    assert (asset["width"], asset["height"]) == (640, 480)
    assert asset["url"].startswith(f"/a/{user_id(alice)}/")
    assert asset["thumbnail_url"].endswith(".thumb.webp")

    served = await alice.get(asset["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/webp"
    assert opened(served.content).size == (640, 480)
    sizes = asset["sizes"]
    assert sizes["stored"] == len(served.content)
    assert sizes["received"] == sizes["original"] == len(jpeg((640, 480)))
    thumb = opened((await alice.get(asset["thumbnail_url"])).content)
    assert thumb.size == (256, 192) and sizes["thumbnail"] > 0

    [row] = await rows(runtime)
    assert row["owner_id"] == user_id(alice) and row["storage_provider"] == "local"
    assert row["storage_key"] == f"u/{user_id(alice)}/assets/" + asset["url"].rsplit("/", 1)[1]
    assert sorted(await stored_keys(runtime, alice)) == sorted(
        [row["storage_key"], row["thumbnail_key"]]
    )


async def test_the_key_is_the_hash_of_the_stored_bytes(alice, runtime) -> None:
    import hashlib

    asset = (await upload(alice, png())).json()
    stored = (await alice.get(asset["url"])).content
    assert asset["url"].endswith(f"/{hashlib.sha256(stored).hexdigest()}.webp")


async def test_the_type_is_judged_by_the_bytes_not_the_name_or_content_type(alice) -> None:
    response = await upload(alice, png(), name="photo.jpg", content_type="image/jpeg")
    assert response.status_code == 201, response.text
    assert response.json()["source_type"] == "image/png"
    renamed = await upload(alice, jpeg(), name="notes.txt", content_type="text/plain")
    assert renamed.status_code == 201 and renamed.json()["source_type"] == "image/jpeg"


async def test_webp_and_gif_are_accepted(alice) -> None:
    for data, source in (
        (encode(gradient(), "WEBP"), "image/webp"),
        (encode(gradient().convert("P"), "GIF"), "image/gif"),
    ):
        response = await upload(alice, data, name="x")
        assert response.status_code == 201, response.text
        assert response.json()["source_type"] == source


async def test_the_orientation_is_applied_then_dropped(alice) -> None:
    # Orientation 6: the camera was turned; viewers rotate 90 degrees clockwise.
    asset = (await upload(alice, jpeg((640, 480), orientation=6))).json()
    assert (asset["width"], asset["height"]) == (480, 640)
    image = opened((await alice.get(asset["url"])).content).convert("RGB")
    assert image.size == (480, 640)
    # The red block in the source's top-left corner is now top-right.
    red, _, blue = image.getpixel((470, 10))
    assert red > 200 and blue < 60
    assert not image.getexif()


async def test_large_images_are_scaled_to_2048_and_thumbnailed_to_256(alice) -> None:
    wide = (await upload(alice, png((3000, 600)))).json()
    assert (wide["width"], wide["height"]) == (2048, 410)
    assert opened((await alice.get(wide["thumbnail_url"])).content).size == (256, 51)

    # A 12 MP photo is decoded at half scale in the DCT: 2016 px, under 2048.
    photo = (await upload(alice, jpeg((4032, 3024), metadata=False))).json()
    assert (photo["width"], photo["height"]) == (2016, 1512)
    assert opened((await alice.get(photo["thumbnail_url"])).content).size == (256, 192)

    small = (await upload(alice, png((100, 50)))).json()
    assert (small["width"], small["height"]) == (100, 50)
    assert opened((await alice.get(small["thumbnail_url"])).content).size == (100, 50)


async def test_an_avatar_gets_a_square_thumbnail(alice) -> None:
    avatar = (await upload(alice, jpeg((640, 480)), purpose="avatar")).json()
    assert avatar["purpose"] == "avatar"
    assert opened((await alice.get(avatar["thumbnail_url"])).content).size == (256, 256)
    assert opened((await alice.get(avatar["url"])).content).size == (640, 480)


async def test_transparency_survives_and_odd_modes_are_normalised(alice) -> None:
    clear = gradient((200, 100), "RGBA")
    clear.putalpha(Image.linear_gradient("L").resize((200, 100)))
    asset = (await upload(alice, encode(clear, "PNG"))).json()
    assert opened((await alice.get(asset["url"])).content).mode == "RGBA"

    opaque = (await upload(alice, encode(gradient((200, 100), "RGBA"), "PNG"))).json()
    assert opened((await alice.get(opaque["url"])).content).mode == "RGB"

    grey16 = Image.linear_gradient("L").resize((300, 200)).convert("I;16")
    for image in (grey16, gradient().convert("CMYK"), gradient().convert("1")):
        fmt = "JPEG" if image.mode == "CMYK" else "PNG"
        response = await upload(alice, encode(image, fmt))
        assert response.status_code == 201, (image.mode, response.text)


async def test_an_animated_gif_keeps_its_first_frame(alice) -> None:
    frames = [gradient((120, 80)).rotate(angle).convert("P") for angle in (0, 90, 180)]
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    asset = (await upload(alice, gif)).json()
    stored = opened((await alice.get(asset["url"])).content)
    assert stored.size == (120, 80) and not getattr(stored, "is_animated", False)


async def test_the_declared_original_size_is_kept(alice) -> None:
    data = jpeg()
    asset = (await upload(alice, data, original_size="123456")).json()
    assert asset["sizes"]["original"] == 123456
    assert asset["sizes"]["received"] == len(data)
    bad = await upload(alice, data, original_size="lots")
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "original_size"


# ------------------------------------------------------------ refusals


async def assert_nothing_kept(runtime, client) -> None:
    assert await rows(runtime) == []
    assert await stored_keys(runtime, client) == []


async def test_a_file_over_the_limit_is_refused_before_it_is_read(alice, runtime) -> None:
    response = await upload(alice, b"\xff\xd8\xff" + b"\0" * (6 * MIB))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    await assert_nothing_kept(runtime, alice)


async def test_the_file_part_itself_is_held_to_the_limit(alice, runtime) -> None:
    # Within the body rule's framing allowance, but the file alone is too large.
    response = await upload(alice, b"\xff\xd8\xff" + b"\0" * (5 * MIB + 8 * 1024))
    assert response.status_code == 413
    assert response.json()["error"]["details"] == {"max_bytes": 5 * MIB}
    await assert_nothing_kept(runtime, alice)


async def test_a_chunked_body_over_the_limit_is_refused(alice, runtime) -> None:
    boundary = "xyz"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()

    async def body():
        yield head
        for _ in range(7):
            yield b"\0" * MIB

    response = await alice.post(
        "/api/assets",
        content=body(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    await assert_nothing_kept(runtime, alice)


async def test_html_svg_and_pdf_are_unsupported_types(alice, runtime) -> None:
    cases = {
        b"<!DOCTYPE html><html><script>alert(1)</script></html>": "text/html",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>': "image/svg+xml",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj": "application/pdf",
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00": "image/heic",
        b"just some words": None,
    }
    for data, detected in cases.items():
        response = await upload(alice, data, name="x.png", content_type="image/png")
        assert response.status_code == 415, response.text
        error = response.json()["error"]
        assert error["code"] == "unsupported_media_type"
        assert error["details"]["detected"] == detected
        assert "image/jpeg" in error["details"]["accepted"]
    await assert_nothing_kept(runtime, alice)


async def test_decompression_bombs_are_refused_before_decoding(alice, runtime) -> None:
    for bomb in (png_bomb(20_000, 20_000), png_bomb(8_000, 6_000)):  # 400 MP and 48 MP
        assert len(bomb) < 10_000
        response = await upload(alice, bomb, name="bomb.png")
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "too_many_pixels"
    await assert_nothing_kept(runtime, alice)


async def test_an_image_that_cannot_be_decoded_leaves_nothing(alice, runtime) -> None:
    for broken in (
        truncated(jpeg((800, 600), metadata=False)),
        png()[:40],
        b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
        b"GIF89a" + b"\xff" * 20,
    ):
        response = await upload(alice, broken)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "undecodable"
    await assert_nothing_kept(runtime, alice)


async def test_malformed_forms_are_refused(alice, runtime) -> None:
    empty = await upload(alice, b"")
    assert empty.status_code == 422
    no_purpose = await alice.post("/api/assets", files={"file": ("a.png", png(), "image/png")})
    assert no_purpose.status_code == 422
    assert no_purpose.json()["error"]["details"][0]["field"] == "purpose"
    wrong_purpose = await upload(alice, png(), purpose="wallpaper")
    assert wrong_purpose.status_code == 422
    no_file = await alice.post("/api/assets", files={"purpose": (None, "asset")})
    assert no_file.status_code == 422
    assert no_file.json()["error"]["details"][0]["field"] == "file"
    two = await alice.post(
        "/api/assets",
        files=[("file", ("a.png", png(), "image/png")), ("file", ("b.png", png(), "image/png"))],
        data={"purpose": "asset"},
    )
    assert two.status_code == 422
    garbled = await alice.post(
        "/api/assets",
        content=b"--b\r\nnot a header line at all",
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert garbled.status_code == 400
    as_json = await alice.post("/api/assets", json={"purpose": "asset"})
    assert as_json.status_code == 415
    await assert_nothing_kept(runtime, alice)


async def test_uploads_need_a_signed_in_user(client) -> None:
    response = await client.post(
        "/api/assets", files={"file": ("a.png", png(), "image/png")}, data={"purpose": "asset"}
    )
    assert response.status_code == 401


async def test_a_profile_id_must_name_a_profile_of_the_uploader(alice, bob) -> None:
    mine = await alice.post("/api/profiles", json={"slug": "alice-page", "display_name": "A"})
    assert mine.status_code == 201, mine.text
    theirs = await bob.post("/api/profiles", json={"slug": "bob-page", "display_name": "B"})
    linked = await upload(alice, png(), purpose="avatar", profile_id=mine.json()["id"])
    assert linked.status_code == 201 and linked.json()["profile_id"] == mine.json()["id"]
    refused = await upload(alice, png(), profile_id=theirs.json()["id"])
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "profile_id"


async def test_a_file_named_with_filename_star_is_a_file(alice) -> None:
    """RFC 5987's ``filename*=UTF-8''...`` marks a file part like ``filename`` does."""
    boundary = "b0undary"
    body = (
        (
            f"--{boundary}\r\n"
            "Content-Disposition: form-data; name=\"file\"; filename*=UTF-8''caf%C3%A9.jpg\r\n"
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + jpeg((40, 30))
        + (
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n'
            f"asset\r\n--{boundary}--\r\n"
        ).encode()
    )
    response = await alice.post(
        "/api/assets",
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["file_name"] == "café.jpg"
