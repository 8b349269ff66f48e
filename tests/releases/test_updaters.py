"""The updaters' protocols, checked against each one's documented schema with a YAML
and an XML parser; channels; and the staged rollout's share and stability."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from xml.etree import ElementTree as ET

import yaml

from core.releases import rollout
from core.releases.repo import VersionRow
from tests.releases.conftest import SHA512, full_platforms, publish

SPARKLE = "{http://www.andymatuschak.org/xml-namespaces/sparkle}"


async def test_hazel_and_squirrel_answer_204_when_current_200_when_not(admin, client) -> None:
    await publish(admin, "1.0.0")
    await publish(admin, "1.1.0", changelog="Faster.")
    current = await client.get("/update/darwin/1.1.0")
    assert current.status_code == 204 and current.content == b""
    ahead = await client.get("/update/win32/1.2.0")
    assert ahead.status_code == 204
    old = await client.get("/update/darwin/1.0.0")
    assert old.status_code == 200
    body = old.json()
    assert set(body) == {"name", "notes", "pub_date", "url"}
    assert body["name"] == "1.1.0" and body["notes"] == "Faster."
    assert body["url"] == "https://dl.example.com/App-1.1.0"
    datetime.fromisoformat(body["pub_date"])  # ISO 8601 / RFC 3339
    assert (await client.get("/update/beos/1.0.0")).status_code == 422


async def test_tauri_fields_come_with_a_signed_platform_build(admin, client) -> None:
    await publish(admin, "1.0.0")
    await publish(admin, "2.0.0", platforms=full_platforms("2.0.0"))
    tauri = (await client.get("/update/darwin-aarch64/1.0.0")).json()
    # Tauri's dynamic server: version, url and signature required; pub_date RFC 3339.
    assert tauri["version"] == "2.0.0"
    assert tauri["url"] == "https://dl.example.com/App-2.0.0.zip"
    assert tauri["signature"] == "tauri-sig-mac-2.0.0"
    assert isinstance(tauri["notes"], str)
    assert datetime.fromisoformat(tauri["pub_date"].replace("Z", "+00:00")).tzinfo is not None
    windows = (await client.get("/update/windows-x86_64/1.0.0")).json()
    assert windows["signature"] == "tauri-sig-win-2.0.0"
    # The Linux build has no Tauri signature: a Squirrel answer only.
    linux = (await client.get("/update/linux-x86_64/1.0.0")).json()
    assert "signature" not in linux and linux["url"].endswith(".AppImage")


async def test_electron_builder_generic_provider_files(admin, client) -> None:
    await publish(admin, "3.1.0", platforms=full_platforms("3.1.0"), changelog="Notes: yes")
    for name, suffix in (
        ("latest.yml", ".exe"),
        ("latest-mac.yml", ".zip"),
        ("latest-linux.yml", ".AppImage"),
    ):
        response = await client.get(f"/update/stable/{name}")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/yaml")
        doc = yaml.safe_load(response.text)
        # electron-updater's UpdateInfo: version, files[{url, sha512, size}], path,
        # sha512, releaseDate (releaseNotes optional).
        assert doc["version"] == "3.1.0"
        assert isinstance(doc["files"], list) and doc["files"]
        for f in doc["files"]:
            assert set(f) <= {"url", "sha512", "size"} and {"url", "sha512"} <= set(f)
            assert f["sha512"] == SHA512 and isinstance(f["size"], int)
        assert doc["path"].endswith(suffix) and doc["path"] == doc["files"][0]["url"]
        assert doc["sha512"] == SHA512
        datetime.fromisoformat(doc["releaseDate"].replace("Z", "+00:00"))
        assert doc["releaseNotes"] == "Notes: yes"
    assert (await client.get("/update/nightly/latest.yml")).status_code == 422


async def test_no_electron_builder_file_without_a_checksum(admin, client) -> None:
    await publish(admin, "1.0.0")
    assert (await client.get("/update/stable/latest.yml")).status_code == 404


async def test_sparkle_appcast(admin, client) -> None:
    await publish(admin, "1.0.0", platforms=full_platforms("1.0.0"), changelog="<b>x</b> *new*")
    await publish(admin, "1.1.0-beta.1", platforms=full_platforms("1.1.0-beta.1"))
    response = await client.get("/appcast/stable.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/rss+xml")
    rss = ET.fromstring(response.content)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel is not None and channel.findtext("title")
    items = channel.findall("item")
    assert [i.findtext(f"{SPARKLE}version") for i in items] == ["1.0.0"]
    item = items[0]
    assert item.findtext(f"{SPARKLE}shortVersionString") == "1.0.0"
    parsedate_to_datetime(item.findtext("pubDate") or "")  # RFC 822
    enclosure = item.find("enclosure")
    assert enclosure is not None
    assert enclosure.get("url") == "https://dl.example.com/App-1.0.0.zip"
    assert enclosure.get("length") == "1234"
    assert enclosure.get(f"{SPARKLE}edSignature") == "ZWQyNTUxOQ=="
    assert enclosure.get("type") == "application/octet-stream"
    description = item.findtext("description") or ""
    assert "<em>new</em>" in description and "<b>" not in description
    beta = ET.fromstring((await client.get("/appcast/beta.xml")).content)
    versions = [i.findtext(f"{SPARKLE}version") for i in beta.iter("item")]
    assert versions == ["1.1.0-beta.1", "1.0.0"]


async def test_a_pre_release_is_offered_on_beta_only(admin, client) -> None:
    await publish(admin, "1.0.0")
    await publish(admin, "1.1.0-beta.1")
    assert (await client.get("/update/darwin/1.0.0")).status_code == 204
    beta = await client.get("/update/darwin/1.0.0", params={"channel": "beta"})
    assert beta.status_code == 200 and beta.json()["name"] == "1.1.0-beta.1"
    # A client on a pre-release stays on beta by itself.
    assert (await client.get("/update/darwin/1.1.0-beta.0")).json()["name"] == "1.1.0-beta.1"
    # Once the release is out, beta is offered it too (a release outranks its betas).
    await publish(admin, "1.1.0")
    assert (await client.get("/update/darwin/1.1.0-beta.1")).json()["name"] == "1.1.0"


def _row(version: str, percent: int) -> VersionRow:
    return VersionRow(
        id="X",
        version=version,
        release_date=0.0,
        download_url="https://e.com",
        changelog="",
        is_latest=1,
        prerelease=0,
        rollout=percent,
        platforms="{}",
        created_at="",
    )


def test_a_ten_percent_rollout_offers_ten_percent_the_same_every_time() -> None:
    row = _row("2.0.0", 10)
    ids = [f"client-{n}" for n in range(10_000)]
    chosen = {c for c in ids if rollout.in_rollout(row, c)}
    assert 800 <= len(chosen) <= 1200
    assert chosen == {c for c in ids if rollout.in_rollout(row, c)}
    # Raising the rollout only adds clients.
    wider = {c for c in ids if rollout.in_rollout(_row("2.0.0", 30), c)}
    assert chosen < wider and 2800 <= len(wider) <= 3200


async def test_a_staged_rollout_over_http(admin, client, clock) -> None:
    await publish(admin, "1.0.0")
    await publish(admin, "1.1.0", rollout=10)
    first, second = [], []
    for n in range(400):
        if n % 45 == 0:
            clock.advance(120)  # past the default rate limit and its sliding window
        for answers in (first, second):
            r = await client.get("/update/darwin/1.0.0", params={"id": f"c{n}"})
            answers.append(r.status_code)
    assert first == second  # never flips between checks
    assert set(first) == {200, 204}
    assert 20 <= first.count(200) <= 60  # about 10% of 400
    header = await client.get("/update/darwin/1.0.0", headers={"x-client-id": "c1"})
    assert header.status_code == first[1]


async def test_a_rollout_is_widened_by_the_admin(admin, client) -> None:
    await publish(admin, "1.0.0")
    await publish(admin, "1.1.0", rollout=0)
    assert (await client.get("/update/darwin/1.0.0", params={"id": "c0"})).status_code == 204
    assert (
        await client.put("/api/admin/versions/1.1.0/rollout", json={"rollout": 5})
    ).status_code == 401
    assert (
        await admin.put("/api/admin/versions/9.0.0/rollout", json={"rollout": 5})
    ).status_code == 404
    changed = await admin.put("/api/admin/versions/1.1.0/rollout", json={"rollout": 100})
    assert changed.status_code == 200 and changed.json()["rollout"] == 100
    assert (await client.get("/update/darwin/1.0.0", params={"id": "c0"})).status_code == 200
    assert (await client.get("/update/darwin/1.0.0", params={"id": "bad id!"})).status_code == 422
