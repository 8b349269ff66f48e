"""Monitoring: web vitals, client and server errors, custom metrics and server
timings, alert rules with their lifecycle and notifications, health checks of
the dependencies, saved dashboards and the owner's monitoring page.

It provides the request pipeline's observer (``core.observe``: server timings
and server exceptions); its public surface is that and the page snippet that
sends web vitals from the public profile page (template ``monitoring_vitals.html``
with ``profile_id`` and ``nonce``)."""

from __future__ import annotations

from core.feature import Feature, Scheduled
from core.http.pipeline import BodyRule
from core.jobs.dispatcher import Job
from core.jobs.schedule import DAILY, EVERY_FIVE_MINUTES, HOURLY
from core.monitoring import dashboards, health, jobs, page, page_files, repo, routes
from core.monitoring.alerts import routes as alert_routes
from core.monitoring.models import MAX_BEACON_BYTES
from core.monitoring.timings import Observers

_BEACON_TYPES = ("application/json", "text/plain")

FEATURE = Feature(
    name="monitoring",
    routers=(health.router, routes.router, alert_routes.router, dashboards.router, page.router),
    owned_tables=repo.OWNED,
    policies=(routes.VITALS_POLICY, routes.ERRORS_POLICY, routes.METRICS_POLICY),
    jobs=(
        Scheduled(EVERY_FIVE_MINUTES, Job("health_checks", health.record_health, lease_seconds=60)),
        Scheduled(EVERY_FIVE_MINUTES, Job("alert_rules", jobs.evaluate_alerts, lease_seconds=120)),
        Scheduled(HOURLY, Job("vitals_rollup", jobs.rollup_vitals)),
        Scheduled(DAILY, Job("monitoring_retention", jobs.purge_monitoring)),
    ),
    # sendBeacon posts text/plain (no preflight); 64 KB at most, refused before it is read.
    body_rules=(
        BodyRule("/api/monitoring/vitals", MAX_BEACON_BYTES, _BEACON_TYPES, exact=True),
        BodyRule("/api/monitoring/errors", MAX_BEACON_BYTES, _BEACON_TYPES, exact=True),
    ),
    templates={**page_files.FILES, **page.vitals_templates()},
    provides=(Observers(),),
)

__all__ = ["FEATURE"]
