"""Monitoring: health of the dependencies (more with the monitoring issue)."""

from __future__ import annotations

from core.feature import Feature, Scheduled
from core.jobs.dispatcher import Job
from core.jobs.schedule import EVERY_FIVE_MINUTES
from core.monitoring import health

FEATURE = Feature(
    name="monitoring",
    routers=(health.router,),
    jobs=(
        Scheduled(EVERY_FIVE_MINUTES, Job("health_checks", health.record_health, lease_seconds=60)),
    ),
)

__all__ = ["FEATURE"]
