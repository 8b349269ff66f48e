"""The admin's numbers and page, the diagnostics retention job, and GDPR export
and erasure of feedback and diagnostics."""

from __future__ import annotations

from core.features import run_cron
from core.jobs.schedule import DAILY
from tests.releases.conftest import publish


async def test_admin_stats_answer_the_seeds_queries(admin, alice, client, runtime, clock) -> None:
    assert (await alice.get("/api/admin/stats")).status_code == 403
    await publish(admin, "1.0.0")
    await client.post("/api/track-download", json={"os": "linux"})
    assert await runtime.defer.drain(5)
    clock.advance(-10 * 86400)  # ten days ago
    await runtime.database.run("UPDATE downloads SET timestamp = timestamp - 864000")
    clock.advance(10 * 86400)
    await publish(admin, "1.1.0")
    for os_name in ("windows", "windows", "macos"):
        await client.post("/api/track-download", json={"os": os_name})
    await client.post("/api/feedback", json={"message": "a", "email": "a@example.com"})
    await client.post("/api/feedback", json={"message": "b"})
    await client.post("/api/diagnostics", files={"file": ("a.log", b"x" * 100, "text/plain")})
    await client.post("/api/diagnostics", files={"file": ("b.log", b"y" * 300, "text/plain")})

    assert await runtime.defer.drain(5)
    stats = (await admin.get("/api/admin/stats")).json()
    assert stats["downloads_by_os"]["last_24h"] == {"windows": 2, "macos": 1, "linux": 0}
    assert stats["downloads_by_os"]["last_7d"] == {"windows": 2, "macos": 1, "linux": 0}
    assert stats["downloads_by_os"]["last_30d"] == {"windows": 2, "macos": 1, "linux": 1}
    assert [d["count"] for d in stats["downloads_by_day"]] == [3, 1]
    assert stats["feedback_by_day"][0]["count"] == 2
    recent = stats["recent_feedback_with_email"]
    assert [(f["email"], f["message"]) for f in recent] == [("a@example.com", "a")]
    assert stats["diagnostics"] == {"count": 2, "total_bytes": 400, "average_bytes": 200.0}
    adoption = {v["version"]: v["downloads"] for v in stats["version_adoption"]}
    assert adoption == {"1.1.0": 3, "1.0.0": 1}
    audit = await runtime.database.first(
        "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'admin.release_stats_viewed'"
    )
    assert audit["n"] == 1


async def test_the_admin_page_shows_the_numbers(admin, alice, client, runtime) -> None:
    await publish(admin, "1.0.0")
    await client.post("/api/track-download", json={"os": "macos"})
    assert await runtime.defer.drain(5)
    page = await admin.get("/admin/releases")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "1.0.0" in page.text and "Downloads by OS" in page.text
    assert (await alice.get("/admin/releases")).status_code == 404
    assert (await client.get("/admin/releases")).status_code == 303


async def test_old_diagnostics_go_with_their_files(client, runtime, clock, settings) -> None:
    old = await client.post("/api/diagnostics", files={"file": ("a.log", b"old", "text/plain")})
    await client.post(
        "/api/diagnostics",
        json={"file_path": "s3://creator-edge-diagnostics/x.log", "file_size": 5},
    )
    clock.advance(settings.diagnostics_retention_days * 86400 + 60)
    new = await client.post("/api/diagnostics", files={"file": ("b.log", b"new", "text/plain")})
    outcomes = await run_cron(DAILY, runtime.ports(), settings, scheduled_time=clock.now())
    assert {o.job: o.outcome for o in outcomes}["releases_diagnostics_retention"] == "success"
    rows = await runtime.database.all("SELECT id FROM diagnostics")
    assert [r["id"] for r in rows] == [new.json()["id"]]
    blobs = runtime.ports().blobs
    assert await blobs.head(old.json()["file_path"]) is None
    assert await blobs.head(new.json()["file_path"]) is not None


async def test_export_and_erasure_cover_feedback_and_diagnostics(
    alice, bob, runtime, settings, clock
) -> None:
    from tests.identity.test_gdpr import end_grace_period

    await alice.post("/api/feedback", json={"message": "from alice", "email": "al@example.com"})
    await bob.post("/api/feedback", json={"message": "from bob"})
    log = await alice.post("/api/diagnostics", files={"file": ("a.log", b"log", "text/plain")})
    export = (await alice.get("/api/me/export")).json()
    # The sealed email is opened for its owner's export.
    assert [(f["message"], f["email"]) for f in export["data"]["feedbacks"]] == [
        ("from alice", "al@example.com")
    ]
    assert [d["id"] for d in export["data"]["diagnostics"]] == [log.json()["id"]]
    assert log.json()["file_path"] in {f["key"] for f in export["files"]}
    erased = await alice.request("DELETE", "/api/me", json={"password": "correct horse battery"})
    assert erased.status_code in (200, 204), erased.text
    await end_grace_period(runtime, settings, clock)  # closing erases after the grace period
    owners = await runtime.database.all("SELECT owner_id FROM feedbacks")
    assert [o["owner_id"] for o in owners] == [bob.tokens["user"]["id"]]
    assert await runtime.database.all("SELECT id FROM diagnostics") == []
    assert await runtime.ports().blobs.head(log.json()["file_path"]) is None
