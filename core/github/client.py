"""GitHub's REST API, one repository at a time: a conditional GET and what its
answer means for the sync job (new metadata, unchanged, gone, rate-limited,
failed), with the rate-limit state the answer reported."""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

from core.ports import HttpClient, HttpError, HttpResponse

Kind = Literal["updated", "unchanged", "gone", "limited", "failed"]
REQUEST_TIMEOUT = 8.0
API_VERSION = "2022-11-28"
USER_AGENT = "creator-edge"
_TEXT_MAX = 1000
_TOPICS_MAX = 20


@dataclass(frozen=True, slots=True)
class RateState:
    """``x-ratelimit-remaining`` and ``x-ratelimit-reset`` (epoch seconds)."""

    remaining: int
    reset: float


@dataclass(frozen=True, slots=True)
class Fetched:
    """One repository's answer, as the sync job reads it.

    ``retry_at`` is the earliest the server allows another try (retry-after,
    or the rate-limit reset); ``requests`` how many requests it took (a moved
    repository takes two); ``unavailable`` marks a 5xx or a transport failure.
    """

    kind: Kind
    requests: int
    metadata: dict[str, Any] = field(default_factory=dict)
    etag: str | None = None
    error: str | None = None
    retry_at: float | None = None
    rate: RateState | None = None
    unavailable: bool = False


def rate_state(headers: Mapping[str, str]) -> RateState | None:
    try:
        return RateState(int(headers["x-ratelimit-remaining"]), float(headers["x-ratelimit-reset"]))
    except (KeyError, ValueError):
        return None


def retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """``retry-after`` as an epoch time: delay seconds, or an HTTP date."""
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return now + int(raw)
    try:
        return email.utils.parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError):
        return None


def _text(value: object) -> str | None:
    return value[:_TEXT_MAX] if isinstance(value, str) else None


def _count(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return max(0, min(value, 2**53 - 1))


def repo_metadata(data: object) -> dict[str, Any] | None:
    """The fields a link shows, from a repository's JSON; None if it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return None
    topics = data.get("topics")
    return {
        "stars": _count(data.get("stargazers_count")),
        "forks": _count(data.get("forks_count")),
        "language": _text(data.get("language")),
        "description": _text(data.get("description")),
        "topics": [t[:50] for t in topics if isinstance(t, str)][:_TOPICS_MAX]
        if isinstance(topics, list)
        else [],
        "pushed_at": _text(data.get("pushed_at")),
    }


class GitHubApi:
    """Conditional repository reads against ``base_url`` (GITHUB_API_URL)."""

    def __init__(
        self,
        http: HttpClient,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _headers(self, etag: str | None) -> dict[str, str]:
        headers = {
            "accept": "application/vnd.github+json",
            "x-github-api-version": API_VERSION,
            "user-agent": USER_AGENT,
        }
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        if etag:
            headers["if-none-match"] = etag
        return headers

    async def fetch_repo(
        self,
        owner: str,
        name: str,
        etag: str | None,
        now: float,
        *,
        may_follow: Callable[[], bool] = lambda: True,
    ) -> Fetched:
        """GET /repos/{owner}/{name} with ``If-None-Match``. A moved repository's
        redirect is followed once if ``may_follow()`` grants the second request."""
        url = f"{self.base_url}/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
        try:
            response = await self._get(url, etag)
        except HttpError as exc:
            return Fetched("failed", 1, error=f"unreachable: {exc}"[:200], unavailable=True)
        location = response.headers.get("location", "")
        if response.status in (301, 302, 307, 308) and location.startswith(self.base_url + "/"):
            if not may_follow():
                return Fetched("failed", 1, error="moved", retry_at=now)
            try:
                response = await self._get(location, etag)
            except HttpError as exc:
                return Fetched("failed", 2, error=f"unreachable: {exc}"[:200], unavailable=True)
            return self.interpret(response, now, requests=2)
        return self.interpret(response, now)

    async def _get(self, url: str, etag: str | None) -> HttpResponse:
        return await self.http.request(
            "GET", url, headers=self._headers(etag), timeout=self.timeout
        )

    @staticmethod
    def interpret(response: HttpResponse, now: float, *, requests: int = 1) -> Fetched:
        headers, status = response.headers, response.status
        rate = rate_state(headers)
        hint = retry_after(headers, now)
        etag = headers.get("etag")
        if status == 200:
            try:
                metadata = repo_metadata(response.json())
            except ValueError:
                metadata = None
            if metadata is None:
                return Fetched("failed", requests, error="not a repository answer", rate=rate)
            return Fetched("updated", requests, metadata, etag=etag, rate=rate)
        if status == 304:
            return Fetched("unchanged", requests, etag=etag, rate=rate)
        if status in (404, 410, 451):
            return Fetched("gone", requests, error=f"HTTP {status}", rate=rate)
        exhausted = rate is not None and rate.remaining == 0
        if status == 429 or (status == 403 and (exhausted or hint is not None)):
            # The primary limit (remaining 0: wait for the reset) or a secondary
            # one (retry-after): either way, no request before retry_at helps.
            if exhausted and rate is not None:
                hint = max(hint or 0.0, rate.reset)
            return Fetched(
                "limited", requests, error=f"HTTP {status}: rate limited", retry_at=hint, rate=rate
            )
        return Fetched(
            "failed",
            requests,
            error=f"HTTP {status}",
            retry_at=hint,
            rate=rate,
            unavailable=status >= 500,
        )
