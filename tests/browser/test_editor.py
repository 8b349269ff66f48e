"""The editor in a real browser: the avatar widget shrinks a large photo
before it is sent (WebP, or JPEG where the browser cannot encode WebP), and
links reorder in place."""

from __future__ import annotations

import uuid
from pathlib import Path

from PIL import Image

from tests.browser.conftest import sign_up

# What a browser without a WebP encoder does: its canvas answers PNG instead.
NO_WEBP = """
const toBlob = HTMLCanvasElement.prototype.toBlob;
HTMLCanvasElement.prototype.toBlob = function (callback, type, quality) {
  return toBlob.call(this, callback, type === 'image/webp' ? 'image/png' : type, quality);
};
"""


def call_api(page, method: str, path: str, body: dict | None = None) -> dict:
    """The JSON API with the page's own session cookie, as the editor's script
    calls it (with this site's Origin). Signs nobody in: no login rate limit."""
    origin = page.url.split("/", 3)[:3]
    response = page.request.fetch(
        path, method=method, data=body, headers={"origin": "/".join(origin)}
    )
    assert response.ok, response.text()
    return response.json()


def large_jpeg(path: Path) -> int:
    """A 4000 x 3000 photo-like JPEG (smooth colour, some grain), about 5 MB."""
    width, height = 4000, 3000
    blotches = Image.effect_noise((width // 4, height // 4), 60).resize((width, height))
    gradient = Image.linear_gradient("L").resize((width, height))
    across = gradient.rotate(90).resize((width, height))
    grain = Image.effect_noise((width, height), 20)
    channels = [Image.blend(c, grain, 0.15) for c in (gradient, blotches, across)]
    Image.merge("RGB", channels).save(path, "JPEG", quality=92)
    return path.stat().st_size


def open_new_profile(page) -> str:
    """Create a profile through the editor's form; returns its id."""
    slug = f"p{uuid.uuid4().hex[:12]}"
    page.goto("/editor")
    page.get_by_label("Slug").fill(slug)
    page.get_by_label("Display name").fill("Photo Test")
    page.get_by_role("button", name="Create profile").click()
    page.wait_for_url("**/editor/profiles/*")
    return page.url.split("?")[0].rsplit("/", 1)[1]


def bytes_sent(request) -> int:
    """The request body's size on the wire (file, fields and framing), from the
    headers Chromium sent (it reports no body for a blob)."""
    return int(request.all_headers()["content-length"])


def upload_avatar(page, photo: Path):
    """Choose ``photo`` and upload it; returns the request the widget sent."""
    page.set_input_files("#avatar-file", str(photo))
    with page.expect_request(
        lambda r: r.url.endswith("/api/assets") and r.method == "POST", timeout=30_000
    ) as sent:
        page.get_by_role("button", name="Upload avatar").click()
    page.get_by_text("Avatar saved.").wait_for(timeout=30_000)
    return sent.value


def test_a_large_jpeg_is_sent_much_smaller(page, tmp_path) -> None:
    sign_up(page)
    profile_id = open_new_profile(page)
    photo = tmp_path / "photo.jpg"
    size = large_jpeg(photo)

    request = upload_avatar(page, photo)

    sent = bytes_sent(request)
    assert 0 < sent < size / 2, (sent, size)
    avatar = page.locator("#avatar-image")
    assert avatar.get_attribute("src").startswith("/a/")
    assert avatar.evaluate("img => img.complete && img.naturalWidth > 0")
    profile = call_api(page, "GET", f"/api/profiles/{profile_id}")
    asset = call_api(page, "GET", "/api/assets")["items"][0]
    assert profile["avatar_asset_id"] == asset["id"] and asset["profile_id"] == profile_id
    assert asset["source_type"] == "image/webp" and asset["file_name"] == "avatar.webp"
    assert asset["sizes"]["original"] == size and asset["sizes"]["received"] < sent
    assert max(asset["width"], asset["height"]) == 2048


def test_without_a_webp_encoder_the_widget_sends_jpeg(page, tmp_path) -> None:
    page.add_init_script(NO_WEBP)
    sign_up(page)
    open_new_profile(page)
    photo = tmp_path / "photo.jpg"
    size = large_jpeg(photo)

    request = upload_avatar(page, photo)

    sent = bytes_sent(request)
    assert 0 < sent < size / 2, (sent, size)
    asset = call_api(page, "GET", "/api/assets")["items"][0]
    assert asset["source_type"] == "image/jpeg" and asset["file_name"] == "avatar.jpg"
    assert max(asset["width"], asset["height"]) == 2048


def test_links_reorder_in_place(page) -> None:
    sign_up(page)
    profile_id = open_new_profile(page)
    ids = [
        call_api(
            page,
            "POST",
            f"/api/profiles/{profile_id}/links",
            {"title": title, "url": f"https://example.com/{title}"},
        )["id"]
        for title in ("One", "Two", "Three")
    ]
    page.reload()
    before = page.url
    page.get_by_role("button", name="Move One down").click()
    page.get_by_text("Order saved.").wait_for()
    assert page.url == before  # no page load
    order = page.locator("#links li").evaluate_all(
        "items => items.map(li => li.getAttribute('data-link-id'))"
    )
    assert order == [ids[1], ids[0], ids[2]]
    saved = call_api(page, "GET", f"/api/profiles/{profile_id}/links")["items"]
    assert [link["id"] for link in saved] == [ids[1], ids[0], ids[2]]
