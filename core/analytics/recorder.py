"""Server-side events (profile views, link clicks), recorded after the response.

``record_after_response`` does only cheap work on the request path: it copies
the facts it needs from the request (headers, ``request_facts``, the keyed
hash of the client address, never the address) and schedules the rest
(salt, visitor hash, user-agent parsing, the write) through ``ports.defer``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request


@dataclass(frozen=True)
class ServerEvent:
    """A view or click the server saw itself."""

    type: str  # "profile_view" | "link_click"
    profile_id: str
    owner_id: str
    link_id: str | None = None
    path: str | None = None


def record_after_response(request: Request, event: ServerEvent) -> None:
    """Count ``event`` after the response is sent; never raises, never blocks."""
    from core.analytics.collect import schedule_server_event

    schedule_server_event(request, event)
