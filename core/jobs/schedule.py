"""The product's schedule: the same three crons as ``wrangler.toml``."""

from __future__ import annotations

from collections.abc import Sequence

from core.analytics.jobs import purge_analytics, rollup_hours, rotate_salts
from core.assets.jobs import SWEEP_UPLOADS_JOB
from core.github.jobs import GITHUB_SYNC_JOB
from core.jobs.dispatcher import Job
from core.jobs.maintenance import purge_expired_sessions, purge_old_records
from core.monitoring.health import record_health

EVERY_FIVE_MINUTES = "*/5 * * * *"
HOURLY = "0 * * * *"
DAILY = "30 3 * * *"
CRONS = (EVERY_FIVE_MINUTES, HOURLY, DAILY)

SCHEDULE: dict[str, Sequence[Job]] = {
    EVERY_FIVE_MINUTES: (
        Job("health_checks", record_health, lease_seconds=60),
        GITHUB_SYNC_JOB,
    ),
    HOURLY: (Job("analytics_rollup", rollup_hours),),
    DAILY: (
        Job("purge_old_records", purge_old_records),
        Job("purge_expired_sessions", purge_expired_sessions),
        Job("analytics_salts", rotate_salts, lease_seconds=60),
        Job("analytics_retention", purge_analytics),
        SWEEP_UPLOADS_JOB,
    ),
}
