"""GitHub project links: sync jobs that keep stars, language and the rest fresh."""

from core.github.service import github_details, job_statements_for_link, parse_repo_url

__all__ = ["github_details", "job_statements_for_link", "parse_repo_url"]
