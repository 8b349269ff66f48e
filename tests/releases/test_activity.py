"""The seed's flows over HTTP: download tracking, feedback and diagnostic uploads,
bad input refused with nothing stored, the admin's numbers, retention and GDPR."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from core.analytics.ingest import salts
from core.security.client import hash_ip
from tests.conftest import CLIENT_IP
from tests.releases.conftest import full_platforms, publish

UA = "AppDesktop/1.0 (Windows NT 10.0)"
FIVE_MB = 5 * 1024 * 1024


async def count(runtime, table: str) -> int:
    assert await runtime.defer.drain(5)  # downloads are written after the response
    row = await runtime.database.first(f"SELECT COUNT(*) AS n FROM {table}")
    return int(row["n"])


# ------------------------------------------------------------------ downloads


async def test_track_download_records_and_returns_the_url(admin, client, runtime, app) -> None:
    await publish(admin, "1.2.0", platforms=full_platforms("1.2.0"))
    answer = await client.post(
        "/api/track-download", json={"os": "windows"}, headers={"user-agent": UA}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "os": "windows",
        "url": "https://dl.example.com/App-Setup-1.2.0.exe",
        "version": "1.2.0",
    }
    assert await runtime.defer.drain(5)  # written after the response
    row = await runtime.database.first("SELECT * FROM downloads")
    assert row["os"] == "windows" and row["user_agent"] == UA and row["version"] == "1.2.0"
    # The analytics salted visitor hash: the day's random salt keys it.
    ports = runtime.ports()
    now = ports.clock.now()
    salt = await salts.salt_for(ports.kv, salts.day_of(now), now)
    pepper = app.state.settings.ip_pepper.get_secret_value().encode()
    expected = salts.visitor_hash(salt, "releases:downloads", hash_ip(CLIENT_IP, pepper), UA)
    assert row["ip_hash"] == expected
    assert row["ip_hash"] != hashlib.sha256(CLIENT_IP.encode()).hexdigest()
    assert CLIENT_IP not in str(row)


async def test_plain_download_links_record_and_redirect(admin, client, runtime) -> None:
    await publish(admin, "1.2.0")
    response = await client.get("/download/macos")
    assert response.status_code == 302
    assert response.headers["location"] == "https://dl.example.com/App-1.2.0"
    assert await count(runtime, "downloads") == 1


async def test_an_unknown_os_is_422_and_nothing_is_stored(admin, client, runtime) -> None:
    await publish(admin, "1.2.0")
    assert (await client.post("/api/track-download", json={"os": "beos"})).status_code == 422
    assert (await client.get("/download/beos")).status_code == 422
    assert (await client.post("/api/track-download", json={})).status_code == 422
    assert await count(runtime, "downloads") == 0


async def test_no_download_before_a_version_is_published(client, runtime) -> None:
    assert (await client.post("/api/track-download", json={"os": "linux"})).status_code == 404
    assert await count(runtime, "downloads") == 0


# ------------------------------------------------------------------- feedback


async def test_feedback_is_trimmed_and_stored_with_its_email_sealed(
    client, runtime, settings
) -> None:
    from core.identity import pii_of
    from core.releases.repo import email_aad

    sent = await client.post(
        "/api/feedback", json={"message": "  Love it,\nbut slow.  ", "email": "Ann@Example.com"}
    )
    assert sent.status_code == 201, sent.text
    row = await runtime.database.first("SELECT * FROM feedbacks")
    assert row["message"] == "Love it,\nbut slow." and row["email"].startswith("e1.")
    pii = pii_of(runtime.ports().cipher, settings)
    assert await pii.open(row["email"], email_aad(row["id"])) == "ann@example.com"
    assert row["owner_id"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"message": "x" * 1001},
        {"message": "   "},
        {"message": ""},
        {"message": "hi\x00there"},
        {"message": "hi\u202ethere"},
        {"message": "ok", "email": "not-an-email"},
        {"message": "ok", "email": "a@b"},
        {"message": "ok", "extra": 1},
        {"email": "a@example.com"},
    ],
)
async def test_bad_feedback_is_422_and_nothing_is_stored(client, runtime, body) -> None:
    response = await client.post("/api/feedback", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid"
    assert await count(runtime, "feedbacks") == 0


async def test_a_message_of_exactly_1000_characters_is_taken(client, runtime) -> None:
    assert (await client.post("/api/feedback", json={"message": "é" * 1000})).status_code == 201


async def test_feedback_user_id_must_be_the_signed_in_user(alice, bob, client, runtime) -> None:
    alice_id = alice.tokens["user"]["id"]
    mine = await alice.post("/api/feedback", json={"message": "mine", "user_id": alice_id})
    assert mine.status_code == 201
    assert (
        await bob.post("/api/feedback", json={"message": "x", "user_id": alice_id})
    ).status_code == 422
    assert (
        await client.post("/api/feedback", json={"message": "x", "user_id": alice_id})
    ).status_code == 401
    signed_in = await bob.post("/api/feedback", json={"message": "no id given"})
    assert signed_in.status_code == 201
    owners = await runtime.database.all("SELECT owner_id FROM feedbacks ORDER BY id")
    assert [o["owner_id"] for o in owners] == [alice_id, bob.tokens["user"]["id"]]


async def test_feedback_has_its_own_tighter_rate_limit(client, runtime) -> None:
    codes = [
        (await client.post("/api/feedback", json={"message": f"m{n}"})).status_code
        for n in range(7)
    ]
    assert codes == [201] * 5 + [429] * 2
    limited = await client.post("/api/feedback", json={"message": "again"})
    assert "retry-after" in limited.headers
    assert await count(runtime, "feedbacks") == 5


# ---------------------------------------------------------------- diagnostics


def multipart(data: bytes, name: str = "app.log") -> dict:
    return {"files": {"file": (name, data, "text/plain")}}


async def test_a_text_log_is_stored_in_the_blob_store(client, runtime) -> None:
    log = b"2026-12-03 INFO started\n\x1b[31mERROR\x1b[0m boom\n"
    sent = await client.post("/api/diagnostics", **multipart(log))
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["file_size"] == len(log)
    assert body["file_path"] == f"diagnostics/{body['id']}.log"
    blob = await runtime.ports().blobs.get(body["file_path"])
    assert blob is not None and await blob.read() == log
    row = await runtime.database.first("SELECT * FROM diagnostics")
    assert (
        row["stored"] == 1 and row["file_size"] == len(log) and row["content_type"] == "text/plain"
    )


async def test_a_signed_in_users_log_goes_under_their_prefix(alice, runtime) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("main.log", "hello")
    sent = await alice.post("/api/diagnostics", **multipart(buffer.getvalue(), "logs.zip"))
    assert sent.status_code == 201, sent.text
    alice_id = alice.tokens["user"]["id"]
    assert sent.json()["file_path"].startswith(f"u/{alice_id}/diagnostics/")
    assert sent.json()["file_path"].endswith(".zip")


async def test_exactly_five_mb_is_taken_one_byte_more_is_413(client, runtime) -> None:
    ok = await client.post("/api/diagnostics", **multipart(b"a" * FIVE_MB))
    assert ok.status_code == 201
    too_big = await client.post("/api/diagnostics", **multipart(b"a" * (FIVE_MB + 1)))
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "payload_too_large"
    assert await count(runtime, "diagnostics") == 1
    assert len((await runtime.ports().blobs.list("diagnostics/")).items) == 1


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64,  # a Windows PE
        b"\x7fELF\x02\x01\x01" + b"\x00" * 64,
        b"\xcf\xfa\xed\xfe\x07\x00\x00\x01",
        b"#!/bin/sh\nrm -rf ~\n",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"plain text with a \x00 NUL",
        b"\xff\xfe l\x00o\x00g\x00",
    ],
)
async def test_an_executable_posing_as_a_log_is_415(client, runtime, data) -> None:
    response = await client.post("/api/diagnostics", **multipart(data, "app.log"))
    assert response.status_code == 415, response.text
    assert await count(runtime, "diagnostics") == 0
    assert (await runtime.ports().blobs.list("")).items == []


async def test_the_seeds_json_variant_only_under_the_configured_prefix(client, runtime) -> None:
    good = {"file_path": "s3://creator-edge-diagnostics/app/1.log", "file_size": 25600}
    sent = await client.post("/api/diagnostics", json=good)
    assert sent.status_code == 201, sent.text
    for bad in (
        {"file_path": "s3://elsewhere/1.log", "file_size": 10},
        {"file_path": "s3://creator-edge-diagnostics/../x", "file_size": 10},
        {"file_path": "s3://creator-edge-diagnostics/", "file_size": 10},
        {"file_path": "s3://creator-edge-diagnostics/a.log", "file_size": FIVE_MB + 1},
        {"file_path": "s3://creator-edge-diagnostics/a.log", "file_size": 0},
    ):
        assert (await client.post("/api/diagnostics", json=bad)).status_code == 422, bad
    malformed = await client.post(
        "/api/diagnostics", content=b"{", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    other = await client.post(
        "/api/diagnostics", content=b"x", headers={"content-type": "text/plain"}
    )
    assert other.status_code == 415
    rows = await runtime.database.all("SELECT file_path, stored FROM diagnostics")
    assert rows == [{"file_path": good["file_path"], "stored": 0}]
