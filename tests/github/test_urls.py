"""Which URLs are GitHub repositories."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.github import parse_repo_url, urls

OWNER = st.from_regex(r"\A[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?\Z")
REPO = st.from_regex(r"\A[A-Za-z0-9_-][A-Za-z0-9._-]{0,60}\Z").filter(
    lambda r: not r.lower().endswith(".git")
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/encode/httpx", ("encode", "httpx")),
        ("https://github.com/encode/httpx/", ("encode", "httpx")),
        ("https://github.com/encode/httpx.git", ("encode", "httpx")),
        ("https://github.com/encode/httpx.git/", ("encode", "httpx")),
        ("https://GitHub.com/Some-Org/repo.name_x", ("Some-Org", "repo.name_x")),
        ("https://github.com/a/.github", ("a", ".github")),
    ],
)
def test_repository_urls(url: str, expected: tuple[str, str]) -> None:
    assert parse_repo_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://github.com/encode/httpx",
        "https://gitlab.com/encode/httpx",
        "https://github.com/encode",
        "https://github.com/encode/httpx/issues",
        "https://github.com/encode/httpx?tab=readme",
        "https://github.com/-bad/repo",
        "https://github.com/bad-/repo",
        "https://github.com/a_b/repo",
        "https://github.com/" + "a" * 40 + "/repo",
        "https://github.com/owner/" + "r" * 101,
        "https://github.com/owner/..",
        "https://github.com/owner/.",
        "https://github.com/owner/re po",
        "https://github.com/orgs/people",
        "https://github.com/settings/profile",
        "https://github.com.evil.example/owner/repo",
        "https://evil.example/github.com/owner/repo",
        "",
    ],
)
def test_other_urls(url: str) -> None:
    assert parse_repo_url(url) is None


@given(OWNER, REPO)
def test_round_trip(owner: str, repo: str) -> None:
    parsed = parse_repo_url(f"https://github.com/{owner}/{repo}")
    assert parsed == (owner, repo) or owner.lower() in urls._NOT_ACCOUNTS


@given(st.text())
def test_any_text_is_answered(text: str) -> None:
    result = parse_repo_url(text)
    assert result is None or all(result)
