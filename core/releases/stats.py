"""The admin's numbers: the seed's common queries over the release tables."""

from __future__ import annotations

from typing import Any

from core.clock import iso
from core.identity import Pii
from core.ports import Database
from core.releases import versions
from core.releases.models import OS_NAMES
from core.releases.repo import StatsRepo, VersionRepo, email_aad

DAYS = 30
RECENT_FEEDBACK = 20


async def release_stats(db: Database, now: float, pii: Pii) -> dict[str, Any]:
    """Downloads by OS (24 h, 7 d, 30 d) and by day, feedback per day, recent feedback
    with an email, diagnostic sizes, and version adoption (downloads per version)."""
    repo = StatsRepo(db)
    by_os = {r["os"]: r for r in await repo.downloads_by_os(now)}
    since = now - DAYS * 86400
    sizes = await repo.diagnostic_sizes()
    adoption = {r["version"]: r["downloads"] for r in await repo.downloads_by_version()}
    known = sorted(
        await VersionRepo(db).all(), key=lambda r: versions.parse(r["version"]), reverse=True
    )
    return {
        "generated_at": iso(now),
        "downloads_by_os": {
            window: {os: int(by_os[os][window] or 0) if os in by_os else 0 for os in OS_NAMES}
            for window in ("last_24h", "last_7d", "last_30d")
        },
        "downloads_by_day": await repo.per_day("downloads", since),
        "feedback_by_day": await repo.per_day("feedbacks", since),
        "recent_feedback_with_email": [
            {
                **r,
                "email": await pii.open(str(r["email"]), email_aad(str(r["id"]))),
                "timestamp": iso(float(r["timestamp"] or 0)),
            }
            for r in await repo.recent_feedback_with_email(RECENT_FEEDBACK)
        ],
        "diagnostics": {
            "count": sizes["count"],
            "total_bytes": sizes["total_bytes"],
            "average_bytes": round(float(sizes["average_bytes"] or 0), 1),
        },
        "version_adoption": [
            {
                "version": r["version"],
                "release_date": iso(r["release_date"]),
                "is_latest": bool(r["is_latest"]),
                "downloads": int(adoption.get(r["version"]) or 0),
            }
            for r in known
        ],
    }
