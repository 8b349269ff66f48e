"""Server-side events (views, clicks, uploads, refused sign-ins), recorded after the response.

``record_after_response`` does only cheap work on the request path: it copies
the facts it needs from the request (headers, ``request_facts``, the keyed
hash of the client address, never the address) and schedules the rest
(salt, visitor hash, user-agent parsing, the write) through ``ports.defer``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request


@dataclass(frozen=True)
class ServerEvent:
    """An event the server saw itself: a view or click of a profile's page, or an
    owner's own (an upload stored, a sign-in refused: no profile, never traffic)."""

    type: str  # "profile_view" | "link_click" | "asset_upload" | "security_event"
    owner_id: str
    profile_id: str | None = None
    link_id: str | None = None
    path: str | None = None
    # The bytes of the response body the visitor got (bandwidth).
    response_bytes: int | None = None
    properties: dict[str, Any] | None = None


def record_after_response(request: Request, event: ServerEvent) -> None:
    """Count ``event`` after the response is sent; never raises, never blocks."""
    from core.analytics.collect import schedule_server_event

    schedule_server_event(request, event)
