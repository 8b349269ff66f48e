"""App releases: a desktop app's versions, the update checks of its updaters,
downloads by OS, feedback and diagnostic uploads (the seed ``003_*``).

``versions`` orders semantic versions (the ``semver`` library), ``notes`` renders
Markdown release notes safely, ``rollout`` picks what a client is offered (channels,
staged rollouts), ``updaters`` speaks Hazel/Squirrel, Tauri, electron-builder and
Sparkle, ``logfiles`` judges an upload by its bytes; ``repo`` holds the SQL,
``service`` the flows, ``routes`` the desktop app's API, ``updates`` the updaters'
endpoints, ``admin`` and ``pages`` the admin's side, ``jobs`` the retention.
"""

from __future__ import annotations

from core.feature import Feature, Scheduled
from core.jobs.schedule import DAILY
from core.releases import admin, page_files, pages, routes, updates
from core.releases.jobs import PURGE_DIAGNOSTICS_JOB
from core.releases.repo import DIAGNOSTICS, FEEDBACKS

FEATURE = Feature(
    name="releases",
    routers=(routes.router, updates.router, admin.router, pages.router),
    owned_tables=(FEEDBACKS, DIAGNOSTICS),
    policies=(routes.FEEDBACK, routes.DIAGNOSTICS),
    jobs=(Scheduled(DAILY, PURGE_DIAGNOSTICS_JOB),),
    body_rules=(routes.DIAGNOSTICS_BODY,),
    templates=page_files.FILES,
)

__all__ = ["FEATURE"]
