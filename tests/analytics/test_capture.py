"""``capture`` reads the visit from the ASGI scope itself (a page view's hot path):
it must read what Starlette's ``request.headers`` and ``request.url.query`` give."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.requests import Request

from core.analytics.ingest import collect
from core.http.context import SCOPE_KEY

QUERIES = [b"", b"a=1&b=2", b"utm_source=x%20y", b"a=1#frag", b"a=\tb\r\n", "q=\u20ac".encode()]
HEADERS = [
    [(b"host", b"example.com"), (b"referer", b"https://r.example/"), (b"dnt", b"1")],
    [(b"referer", b"https://a/"), (b"referer", b"https://b/"), (b"sec-gpc", b"1")],
    [(b"dnt", b"0"), (b"host", b"h:8080"), (b"host", b"other")],
    [],
]


class Runtime:
    def request_facts(self, scope) -> dict[str, str]:
        return {"country": "NL"}


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("headers", HEADERS)
def test_capture_reads_what_starlette_reads(query, headers) -> None:
    ctx = SimpleNamespace(
        ports=SimpleNamespace(clock=SimpleNamespace(now=lambda: 1.5)),
        client_key="key",
        user_agent="agent",
    )
    scope = {
        "type": "http",
        "scheme": "http",
        "server": ("testserver", 80),
        "path": "/p/alice",
        "query_string": query,
        "headers": headers,
        "app": SimpleNamespace(state=SimpleNamespace(runtime=Runtime())),
        SCOPE_KEY: ctx,
    }
    request = Request(scope)
    read = request.headers
    assert collect.capture(request) == collect.Visit(
        at=1.5,
        client_key="key",
        user_agent="agent",
        facts={"country": "NL"},
        referrer=read.get("referer"),
        query=request.url.query,
        host=read.get("host"),
        private=read.get("dnt") == "1" or read.get("sec-gpc") == "1",
    )
