"""``HttpClient`` over httpx, for the local runtime: timeouts on every call,
connection retries by the transport."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from core.ports import HttpError, HttpResponse


class HttpxClient:
    def __init__(self, *, retries: int = 2, client: httpx.AsyncClient | None = None) -> None:
        self._client = client or httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(retries=retries),
            timeout=httpx.Timeout(10.0),
            follow_redirects=False,
        )

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        timeout: float = 10.0,
    ) -> HttpResponse:
        try:
            response = await self._client.request(
                method, url, headers=dict(headers or {}), content=body, timeout=timeout
            )
        except httpx.HTTPError as exc:
            raise HttpError(f"{method} {url}: {type(exc).__name__}") from exc
        return HttpResponse(
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=response.content,
        )

    async def aclose(self) -> None:
        await self._client.aclose()
