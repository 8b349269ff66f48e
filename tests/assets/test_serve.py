"""GET /a/{owner}/{file}: public, immutable, conditional and ranged."""

from __future__ import annotations

from tests.assets.conftest import user_id
from tests.assets.imagegen import jpeg


async def test_files_are_public_with_long_immutable_cache_headers(photo, client) -> None:
    response = await client.get(photo["url"])  # no credentials
    assert response.status_code == 200
    headers = response.headers
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["etag"].startswith('"') and headers["etag"].endswith('"')
    assert headers["accept-ranges"] == "bytes"
    assert headers["content-length"] == str(len(response.content)) == str(photo["sizes"]["stored"])
    assert "last-modified" in headers
    # Embeddable from other sites, still never sniffed or framed.
    assert headers["cross-origin-resource-policy"] == "cross-origin"
    assert headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in headers["content-security-policy"]


async def test_a_matching_etag_answers_304(photo, client) -> None:
    etag = (await client.get(photo["url"])).headers["etag"]
    again = await client.get(photo["url"], headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"].endswith("immutable")
    listed = await client.get(photo["url"], headers={"if-none-match": f'"other", {etag}'})
    assert listed.status_code == 304
    changed = await client.get(photo["url"], headers={"if-none-match": '"something-else"'})
    assert changed.status_code == 200 and changed.content


async def test_ranges_answer_206_with_content_range(photo, client) -> None:
    whole = (await client.get(photo["url"])).content
    size = len(whole)
    cases = {
        "bytes=0-99": (0, 99),
        "bytes=100-": (100, size - 1),
        "bytes=-50": (size - 50, size - 1),
        f"bytes=10-{size + 500}": (10, size - 1),
    }
    for header, (first, last) in cases.items():
        response = await client.get(photo["url"], headers={"range": header})
        assert response.status_code == 206, header
        assert response.headers["content-range"] == f"bytes {first}-{last}/{size}"
        assert response.content == whole[first : last + 1]
        assert response.headers["content-length"] == str(last - first + 1)


async def test_an_unsatisfiable_range_answers_416(photo, client) -> None:
    size = photo["sizes"]["stored"]
    response = await client.get(photo["url"], headers={"range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{size}"
    assert response.json()["error"]["code"] == "range_not_satisfiable"


async def test_ranges_it_does_not_serve_get_the_whole_file(photo, client) -> None:
    size = photo["sizes"]["stored"]
    for header in ("bytes=0-1,5-9", "bytes=9-3", "lines=1-2", "bytes=abc"):
        response = await client.get(photo["url"], headers={"range": header})
        assert response.status_code == 200, header
        assert len(response.content) == size
    stale = await client.get(photo["url"], headers={"range": "bytes=0-9", "if-range": '"old"'})
    assert stale.status_code == 200 and len(stale.content) == size
    etag = stale.headers["etag"]
    fresh = await client.get(photo["url"], headers={"range": "bytes=0-9", "if-range": etag})
    assert fresh.status_code == 206


async def test_head_gives_the_headers_alone(photo, client) -> None:
    response = await client.head(photo["url"])
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(photo["sizes"]["stored"])
    assert response.headers["content-type"] == "image/webp"


async def test_only_asset_files_are_served(photo, alice, client, runtime) -> None:
    owner = user_id(alice)
    name = photo["url"].rsplit("/", 1)[1]
    blobs = runtime.ports().blobs
    # A file another feature keeps under the same owner's prefix is not reachable.
    await blobs.put(f"u/{owner}/export.json", b"{}", content_type="application/json")
    # Nor is a file in the asset folder that was not stored as an asset.
    planted = "0" * 64 + ".webp"
    await blobs.put(f"u/{owner}/assets/{planted}", jpeg(), content_type="image/webp")
    for path in (
        f"/a/{owner}/export.json",
        f"/a/{owner}/{planted}",
        f"/a/{owner}/{'f' * 64}.webp",  # no such file
        f"/a/{owner}/{name.upper()}",
        f"/a/{owner}/..%2F..%2Fexport.json",
        f"/a/someone-else/{name}",
        f"/a/{owner}/{name}/more",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
    assert (
        await client.get(f"/a/{owner}/{planted}", headers={"range": "bytes=999999-"})
    ).status_code == 404


async def test_the_file_route_is_not_part_of_the_api_document(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert not [path for path in spec["paths"] if path.startswith("/a/")]
    assert "/api/assets" in spec["paths"] and "/api/assets/{asset_id}" in spec["paths"]


async def test_range_positions_of_any_length_never_fail(photo, client) -> None:
    """Python refuses to convert more than 4,300 digits: such a Range is still answered."""
    whole = (await client.get(photo["url"])).content
    digits = "9" * 5000
    start = await client.get(photo["url"], headers={"range": f"bytes={digits}-"})
    assert start.status_code == 416
    end = await client.get(photo["url"], headers={"range": f"bytes=0-{digits}"})
    assert (end.status_code, end.content) == (206, whole)
    suffix = await client.get(photo["url"], headers={"range": f"bytes=-{digits}"})
    assert (suffix.status_code, suffix.content) == (206, whole)
    zeros = await client.get(photo["url"], headers={"range": f"bytes={'0' * 5000}-1"})
    assert (zeros.status_code, zeros.content) == (206, whole[:2])


async def test_if_match_answers_412_when_it_does_not_match(photo, client) -> None:
    etag = (await client.get(photo["url"])).headers["etag"]
    stale = await client.get(photo["url"], headers={"if-match": '"an-older-version"'})
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    for header in (etag, f'"other", {etag}', "*"):
        assert (await client.get(photo["url"], headers={"if-match": header})).status_code == 200
    weak = await client.get(photo["url"], headers={"if-match": f"W/{etag}"})
    assert weak.status_code == 412  # If-Match compares strongly
