"""The daily sweep: interrupted uploads fail and lose their files; expired failures go."""

from __future__ import annotations

from core.assets.jobs import sweep_uploads
from core.clock import iso
from core.jobs.dispatcher import JobContext


async def test_interrupted_uploads_fail_and_old_failures_are_purged(
    alice, runtime, settings, clock
) -> None:
    db, blobs = runtime.database, runtime.ports().blobs
    owner = alice.tokens["user"]["id"]
    stale = iso(clock.now() - 7200)
    key = f"u/{owner}/assets/{'a' * 64}.webp"
    await blobs.put(key, b"half written", content_type="image/webp")
    base = (
        "id, owner_id, purpose, file_name, file_type, source_type, file_size, original_size,"
        " storage_provider, storage_key, public_url, upload_status, uploaded_at,"
        " updated_at, expires_at"
    )
    rows = [
        ("A1", "processing", key, stale, None),
        ("A2", "uploading", None, iso(clock.now()), None),  # recent: left alone
        ("A3", "failed", None, stale, iso(clock.now() - 60)),  # expired: purged
    ]
    for asset_id, status, storage_key, updated, expires in rows:
        await db.run(
            f"INSERT INTO asset_uploads ({base}) VALUES (?, ?, 'asset', 'x.jpg', 'image/webp',"
            " 'image/jpeg', 1, 1, 'local', ?, '', ?, ?, ?, ?)",
            asset_id,
            owner,
            storage_key,
            status,
            updated,
            updated,
            expires,
        )
    await sweep_uploads(JobContext(runtime.ports(), settings, "30 3 * * *", clock.now()))
    left = {r["id"]: r["upload_status"] for r in await db.all("SELECT * FROM asset_uploads")}
    assert left == {"A1": "failed", "A2": "uploading"}
    assert await blobs.head(key) is None
