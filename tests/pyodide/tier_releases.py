"""App releases under Pyodide: the desktop app's four flows and the updaters'
protocols through ``entry.Default`` over Miniflare's D1, KV and R2 (semver and
markdown-it-py from their locked wheels)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import _tier  # type: ignore[import-not-found]
import pytest

from tests.pyodide.edge import Worker, rows, worker

PASSWORD = "correct horse battery"
SHA512 = "A" * 86 + "=="
SPARKLE = "{http://www.andymatuschak.org/xml-namespaces/sparkle}"


@pytest.fixture
async def edge() -> Worker:
    return await worker()


async def admin_headers(edge: Worker) -> dict[str, str]:
    ip = "203.0.113.40"
    made = await edge.fetch(
        "POST",
        "/api/auth/register",
        json_body={"email": "rel@example.com", "username": "releaser", "password": PASSWORD},
        ip=ip,
    )
    assert made.status == 201, made.text
    await rows("UPDATE users SET role = 'admin' WHERE id = ?", made.json()["user"]["id"])
    login = await edge.fetch(
        "POST", "/api/auth/login", json_body={"username": "releaser", "password": PASSWORD}, ip=ip
    )
    assert login.status == 200, login.text
    return {"authorization": f"Bearer {login.json()['access_token']}"}


async def publish(edge: Worker, auth: dict[str, str], version: str, **extra) -> dict:
    answer = await edge.fetch(
        "POST",
        "/api/admin/versions",
        json_body={
            "version": version,
            "download_url": f"https://dl.example.com/App-{version}",
            "changelog": "## New\n\n<script>x</script> *fast*",
            **extra,
        },
        headers=auth,
        ip="203.0.113.40",
    )
    assert answer.status == 201, answer.text
    return answer.json()


async def test_version_check_history_and_one_latest(edge) -> None:
    auth = await admin_headers(edge)
    await publish(edge, auth, "1.9.0")
    await publish(edge, auth, "1.10.0")
    latest = await edge.fetch("GET", "/api/version?current=1.9.0")
    assert latest.status == 200, latest.text
    body = latest.json()
    assert body["version"] == "1.10.0" and body["update_available"] is True
    assert "<em>fast</em>" in body["notes_html"] and "<script>" not in body["notes_html"]
    assert (await edge.fetch("GET", "/api/version?current=1.2")).status == 422
    history = (await edge.fetch("GET", "/api/versions")).json()
    assert [v["version"] for v in history["items"]] == ["1.10.0", "1.9.0"]
    marked = await edge.fetch("POST", "/api/admin/versions/1.9.0/latest", headers=auth)
    assert marked.status == 200, marked.text
    assert await rows("SELECT version FROM app_versions WHERE is_latest = 1") == [
        {"version": "1.9.0"}
    ]


async def test_updaters_answer_in_their_formats(edge) -> None:
    auth = await admin_headers(edge)
    await publish(edge, auth, "1.0.0")
    builds = {
        "darwin-universal": {
            "url": "https://dl.example.com/App.zip",
            "signature": "sig",
            "ed_signature": "ZWQ=",
            "sha512": SHA512,
            "size": 10,
        },
        "windows-x86_64": {"url": "https://dl.example.com/App.exe", "sha512": SHA512, "size": 9},
    }
    await publish(edge, auth, "1.1.0", platforms=builds)
    assert (await edge.fetch("GET", "/update/darwin/1.1.0")).status == 204
    tauri = await edge.fetch("GET", "/update/darwin-aarch64/1.0.0")
    assert tauri.status == 200, tauri.text
    assert tauri.json()["signature"] == "sig" and tauri.json()["version"] == "1.1.0"
    yml = await edge.fetch("GET", "/update/stable/latest.yml")
    assert yml.status == 200, yml.text
    assert 'version: "1.1.0"' in yml.text and "sha512:" in yml.text
    cast = await edge.fetch("GET", "/appcast/stable.xml")
    assert cast.status == 200, cast.text
    item = ET.fromstring(cast.text).find("channel/item")
    assert item is not None and item.findtext(f"{SPARKLE}version") == "1.1.0"


async def test_downloads_feedback_and_diagnostics(edge) -> None:
    auth = await admin_headers(edge)
    await publish(edge, auth, "2.0.0")
    tracked = await edge.fetch("POST", "/api/track-download", json_body={"os": "linux"})
    assert tracked.status == 200, tracked.text
    assert tracked.json()["url"] == "https://dl.example.com/App-2.0.0"
    assert (await edge.fetch("POST", "/api/track-download", json_body={"os": "beos"})).status == 422
    await edge.settle()  # the download is written through ctx.waitUntil
    [download] = await rows("SELECT os, ip_hash, version FROM downloads")
    assert download["os"] == "linux" and len(download["ip_hash"]) == 16
    assert "203.0.113" not in str(download)

    sent = await edge.fetch(
        "POST", "/api/feedback", json_body={"message": " hi ", "email": "a@example.com"}
    )
    assert sent.status == 201, sent.text
    long = await edge.fetch("POST", "/api/feedback", json_body={"message": "x" * 1001})
    assert long.status == 422
    assert await rows("SELECT message FROM feedbacks") == [{"message": "hi"}]

    boundary = "tierboundary"
    log = b"2026-12-03 INFO ok\n"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.log"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + log
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    uploaded = await edge.fetch("POST", "/api/diagnostics", body=body, headers=headers)
    assert uploaded.status == 201, uploaded.text
    key = uploaded.json()["file_path"]
    stored = await _tier.env.BUCKET.get(key)
    assert stored is not None and (await stored.text()) == log.decode()
    exe = body.replace(log, b"MZ\x90\x00" + b"\x00" * 16)
    assert (await edge.fetch("POST", "/api/diagnostics", body=exe, headers=headers)).status == 415
    assert len(await rows("SELECT id FROM diagnostics")) == 1

    stats = await edge.fetch("GET", "/api/admin/stats", headers=auth)
    assert stats.status == 200, stats.text
    assert stats.json()["downloads_by_os"]["last_24h"]["linux"] == 1
