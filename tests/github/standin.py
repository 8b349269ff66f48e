"""A stand-in GitHub REST API on 127.0.0.1, over real HTTP/1.1 (asyncio streams).

It serves ``GET /repos/{owner}/{repo}`` as GitHub does: JSON with an ETag, 304
to a matching ``If-None-Match``, the rate-limit headers (a 304 to an
authenticated request costs nothing), and 403 with ``x-ratelimit-remaining: 0``
once the limit is spent. Per repository it can also answer 404, a 5xx, a
secondary limit (403 with ``retry-after``), 429, a redirect (a renamed
repository) or hang without answering, so the client's timeout must cut it.
Every request is recorded.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from core.ports import Clock

Behaviour = str  # "ok", "gone", "error", "hang", "secondary", "429", "moved"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Repo:
    owner: str
    name: str
    stars: int = 1
    forks: int = 0
    language: str | None = "Python"
    description: str | None = "A project"
    topics: list[str] = field(default_factory=lambda: ["edge"])
    pushed_at: str = "2026-10-01T12:00:00Z"
    behaviour: Behaviour = "ok"
    status: int = 503  # for "error"
    retry_after: int | None = None

    def body(self) -> bytes:
        return json.dumps(
            {
                "id": abs(hash((self.owner, self.name))) % 10**9,
                "name": self.name,
                "full_name": f"{self.owner}/{self.name}",
                "stargazers_count": self.stars,
                "forks_count": self.forks,
                "language": self.language,
                "description": self.description,
                "topics": self.topics,
                "pushed_at": self.pushed_at,
            }
        ).encode()

    def etag(self) -> str:
        return 'W/"' + hashlib.sha256(self.body()).hexdigest()[:32] + '"'


class GitHubStandin:
    def __init__(self, clock: Clock, *, limit: int = 5000, token: str | None = None) -> None:
        self.clock = clock
        self.repos: dict[str, Repo] = {}
        self.limit = limit
        self.remaining = limit
        self.reset_in = 3600.0
        self.reset_at = clock.now() + self.reset_in
        self.token = token
        self.seen: list[Seen] = []
        self.spent = 0  # requests that counted against the limit
        # After this many more requests, every answer is 403 with remaining 0.
        self.exhaust_after: int | None = None
        self._server: asyncio.Server | None = None
        self._hanging: set[asyncio.Event] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.url = ""

    # ------------------------------------------------------------ fixtures

    def add(self, owner: str, name: str, **fields: Any) -> Repo:
        repo = Repo(owner, name, **fields)
        self.repos[f"{owner}/{name}".lower()] = repo
        return repo

    async def start(self) -> GitHubStandin:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        for event in self._hanging:
            event.set()
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()

    def requests_to(self, path_part: str) -> list[Seen]:
        return [s for s in self.seen if path_part in s.path]

    # ------------------------------------------------------------ HTTP

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                self.seen.append(Seen(method, path, headers))
                answer = await self._answer(method, path, headers)
                if answer is None:  # hang: never answer
                    return
                status, extra, body = answer
                writer.write(_response(status, extra, body))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    def _rate_headers(self) -> dict[str, str]:
        if self.clock.now() >= self.reset_at:
            self.remaining = self.limit
            self.reset_at = self.clock.now() + self.reset_in
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(int(self.reset_at)),
            "x-ratelimit-used": str(self.limit - self.remaining),
            "x-ratelimit-resource": "core",
        }

    async def _answer(
        self, method: str, path: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes] | None:
        authorized = self.token is not None and headers.get("authorization") == (
            f"Bearer {self.token}"
        )
        if self.exhaust_after is not None:
            if self.exhaust_after <= 0:
                self.remaining = 0
            self.exhaust_after -= 1
        rate = self._rate_headers()
        if self.remaining <= 0:
            return 403, rate, _error("API rate limit exceeded for user ID 1.")
        parts = path.split("?")[0].strip("/").split("/")
        if method != "GET" or len(parts) != 3 or parts[0] not in ("repos", "repositories"):
            return 404, rate, _error("Not Found")
        repo = self.repos.get(f"{parts[1]}/{parts[2]}".lower())
        if repo is None:
            return 404, self._spend(rate), _error("Not Found")
        if repo.behaviour == "hang":
            event = asyncio.Event()
            self._hanging.add(event)
            await event.wait()
            return None
        if repo.behaviour == "moved":
            location = f"{self.url}/repos/{repo.owner}/{repo.name}-renamed"
            return 301, {**self._spend(rate), "location": location}, _error("Moved Permanently")
        if repo.behaviour == "gone":
            return 404, self._spend(rate), _error("Not Found")
        if repo.behaviour == "error":
            extra = {"retry-after": str(repo.retry_after)} if repo.retry_after else {}
            return repo.status, {**self._spend(rate), **extra}, _error("Server Error")
        if repo.behaviour == "secondary":
            extra = {"retry-after": str(repo.retry_after or 60)}
            return 403, {**self._spend(rate), **extra}, _error("secondary rate limit")
        if repo.behaviour == "429":
            return 429, self._spend(rate), _error("Too Many Requests")
        etag = repo.etag()
        if headers.get("if-none-match") == etag:
            spent = rate if authorized else self._spend(rate)
            return 304, {**spent, "etag": etag}, b""
        return 200, {**self._spend(rate), "etag": etag}, repo.body()

    def _spend(self, rate: dict[str, str]) -> dict[str, str]:
        self.spent += 1
        self.remaining = max(0, self.remaining - 1)
        return {**rate, "x-ratelimit-remaining": str(self.remaining)}


def _error(message: str) -> bytes:
    return json.dumps({"message": message}).encode()


def _response(status: int, headers: dict[str, str], body: bytes) -> bytes:
    reason = {200: "OK", 301: "Moved Permanently", 304: "Not Modified"}.get(status, "Status")
    lines = [f"HTTP/1.1 {status} {reason}"]
    all_headers = {"content-type": "application/json; charset=utf-8", **headers}
    if status != 304:
        all_headers["content-length"] = str(len(body))
    else:
        body = b""
    lines += [f"{k}: {v}" for k, v in all_headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
