"""Reading GitHub's answers: what each means for a job."""

from __future__ import annotations

from core.github.client import GitHubApi, repo_metadata, retry_after
from core.ports import HttpResponse

NOW = 1_790_000_000.0


def answer(status: int, body: bytes = b"{}", **headers: str) -> HttpResponse:
    return HttpResponse(status, {k.replace("_", "-"): v for k, v in headers.items()}, body)


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after({"retry-after": "120"}, NOW) == NOW + 120
    assert retry_after({"retry-after": "Mon, 21 Sep 2026 14:00:00 GMT"}, NOW) == 1_789_999_200.0
    assert retry_after({"retry-after": "soon"}, NOW) is None
    assert retry_after({}, NOW) is None


def test_metadata_is_read_defensively() -> None:
    data = {
        "name": "r",
        "stargazers_count": 2**60,
        "forks_count": True,
        "language": 7,
        "description": "d" * 5000,
        "topics": ["ok", 3, None, "x" * 80],
        "pushed_at": None,
    }
    metadata = repo_metadata(data)
    assert metadata is not None
    assert metadata["stars"] == 2**53 - 1
    assert metadata["forks"] is None and metadata["language"] is None
    assert len(metadata["description"]) == 1000
    assert metadata["topics"] == ["ok", "x" * 50]
    assert repo_metadata([]) is None and repo_metadata({"message": "x"}) is None


def test_what_each_status_means() -> None:
    kinds = {
        status: GitHubApi.interpret(answer(status), NOW).kind
        for status in (200, 304, 404, 410, 451, 401, 403, 422, 429, 500, 502)
    }
    assert kinds == {
        200: "failed",  # not a repository's JSON
        304: "unchanged",
        404: "gone",
        410: "gone",
        451: "gone",
        401: "failed",
        403: "failed",  # forbidden, not rate-limited: backs off like an error
        422: "failed",
        429: "limited",
        500: "failed",
        502: "failed",
    }
    spent = answer(403, x_ratelimit_remaining="0", x_ratelimit_reset=str(int(NOW) + 600))
    fetched = GitHubApi.interpret(spent, NOW)
    assert (fetched.kind, fetched.retry_at) == ("limited", NOW + 600)
    assert GitHubApi.interpret(answer(503), NOW).unavailable


async def test_no_token_sends_no_authorization(runtime, github) -> None:
    github.add("o", "r")
    api = GitHubApi(runtime.http, github.url + "/", None)
    fetched = await api.fetch_repo("o", "r", None, NOW)
    assert fetched.kind == "updated" and fetched.rate is not None
    assert "authorization" not in github.seen[0].headers
    assert github.seen[0].path == "/repos/o/r"
