"""GitHub project links: sync jobs that keep stars, language and the rest fresh."""

from __future__ import annotations

from core.feature import Feature, Scheduled
from core.github import routes
from core.github.jobs import GITHUB_SYNC_JOB
from core.github.repo import SYNC_JOBS, any_sync_jobs
from core.github.service import github_details, job_statements_for_link, parse_repo_url
from core.jobs.schedule import EVERY_FIVE_MINUTES

FEATURE = Feature(
    name="github",
    routers=(routes.router,),
    owned_tables=(SYNC_JOBS,),
    policies=(routes.SYNC_NOW_PER_USER,),
    jobs=(Scheduled(EVERY_FIVE_MINUTES, GITHUB_SYNC_JOB),),
)

__all__ = [
    "FEATURE",
    "any_sync_jobs",
    "github_details",
    "job_statements_for_link",
    "parse_repo_url",
]
