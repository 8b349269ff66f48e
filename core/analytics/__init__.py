"""Analytics: views, clicks and beacon events counted without identifying anyone.

Other features hand it server events through ``core.events`` (it provides the
recorder); its public surface is the page snippet that sends the beacon (the
template ``analytics_beacon.html``, or ``beacon_script``) and ``visitor_hash``, the salted
visitor hash for features that count visitors of their own. For the local runtime: the
buffered ``EventWriter`` (the ``events`` port), the MaxMind lookup and the
user-agent rules' warm-up. The profiles feature, above this one, provides the
``ProfileDirectory`` analytics asks whose a profile is.
"""

from __future__ import annotations

from core.analytics import page_files, routes
from core.analytics.ingest.agents import warm as warm_agents
from core.analytics.ingest.beacon import beacon_script
from core.analytics.ingest.collect import Recorder
from core.analytics.ingest.geo import MaxMindCity, local_facts
from core.analytics.ingest.writer import EventWriter
from core.analytics.jobs import purge_analytics, rollup_hours, rotate_salts
from core.analytics.models import MAX_BATCH_BYTES
from core.analytics.profile_directory import ProfileDirectory
from core.analytics.repo import EVENTS, ROLLUPS
from core.analytics.reports import dashboard
from core.analytics.reports.dashboard import static_files as dashboard_static_files
from core.analytics.visitors import visitor_hash
from core.feature import Feature, Scheduled
from core.http.pipeline import BodyRule
from core.jobs.dispatcher import Job
from core.jobs.schedule import DAILY, HOURLY

FEATURE = Feature(
    name="analytics",
    routers=(routes.router, dashboard.router),
    owned_tables=(EVENTS, ROLLUPS),
    policies=(routes.COLLECT,),
    jobs=(
        Scheduled(HOURLY, Job("analytics_rollup", rollup_hours)),
        Scheduled(DAILY, Job("analytics_salts", rotate_salts, lease_seconds=60)),
        Scheduled(DAILY, Job("analytics_retention", purge_analytics)),
    ),
    # The beacon: navigator.sendBeacon posts text/plain (no preflight).
    body_rules=(BodyRule("/api/collect", MAX_BATCH_BYTES, ("application/json", "text/plain")),),
    templates=page_files.FILES,
    # The recorder of server events (core.events) for the features that see them.
    provides=(Recorder(),),
)

__all__ = [
    "FEATURE",
    "EventWriter",
    "MaxMindCity",
    "ProfileDirectory",
    "beacon_script",
    "dashboard_static_files",
    "local_facts",
    "visitor_hash",
    "warm_agents",
]
