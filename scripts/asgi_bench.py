"""Driving an ASGI app in process for the benchmarks: one GET at a time, timed."""

from __future__ import annotations

import time
from typing import Any

CLIENT = ("203.0.113.5", 50000)


def get_scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": CLIENT,
        "server": ("127.0.0.1", 8787),
    }


async def request_times(
    app: Any, path: str, headers: list[tuple[bytes, bytes]], n: int
) -> list[float]:
    """Seconds of each of ``n`` sequential GETs of ``path``; every one must answer 200."""
    scope = get_scope(path, headers)
    status = [0]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        await app(dict(scope), receive, send)
        times.append(time.perf_counter() - t0)
        assert status[0] == 200, status[0]
    return times


async def mean_time(app: Any, path: str, headers: list[tuple[bytes, bytes]], n: int) -> float:
    """Mean seconds a request over ``n`` sequential GETs."""
    return sum(await request_times(app, path, headers, n)) / n
