"""GitHub repository URLs: which links are GitHub projects."""

from __future__ import annotations

import re

# GitHub's rules: an account name is letters, digits and hyphens (not first or
# last), at most 39 characters; a repository name is letters, digits, '.', '-'
# and '_', at most 100 characters, never '.' or '..'.
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?"
_REPO = r"[A-Za-z0-9._-]{1,100}"
_URL = re.compile(rf"^https://(?i:github\.com)/(?P<owner>{_OWNER})/(?P<repo>{_REPO})/?$")

# First path segments of github.com that are pages, not accounts.
_NOT_ACCOUNTS = frozenset(
    {
        "about", "apps", "collections", "customer-stories", "enterprise", "events",
        "explore", "features", "login", "marketplace", "new", "notifications", "orgs",
        "organizations", "pricing", "pulls", "search", "security", "settings", "site",
        "sponsors", "topics", "trending", "users",
    }
)  # fmt: skip


def parse_repo_url(url: str) -> tuple[str, str] | None:
    """``(owner, repo)`` of ``https://github.com/{owner}/{repo}`` (an optional
    trailing slash or ``.git``), or None when the URL is not a repository's."""
    match = _URL.match(url.strip())
    if match is None:
        return None
    owner, repo = match["owner"], match["repo"]
    if repo.lower().endswith(".git"):
        repo = repo[:-4]
    if repo in ("", ".", "..") or owner.lower() in _NOT_ACCOUNTS:
        return None
    return owner, repo
