"""Events the server saw itself (a page viewed, a link clicked, an upload stored, a
sign-in refused), for whichever feature records them.

Features that see such events sit on both sides of analytics, which records them
(identity's sign-in refusals, while analytics needs identity's route dependencies),
so none of them imports analytics for this: they call ``record_after_response``
here, and analytics provides the ``EventRecorder`` (``Feature.provides``). An app
built without one records nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from fastapi import Request

from core.feature import provided


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


@runtime_checkable
class EventRecorder(Protocol):
    def record_after_response(self, request: Request, event: ServerEvent) -> None:
        """Count ``event`` after the response is sent; never raises, never blocks."""
        ...


def record_after_response(request: Request, event: ServerEvent) -> None:
    """Hand ``event`` to the app's recorder, if it has one: cheap, on the request path."""
    recorder = _recorder(request)
    if recorder is not None:
        recorder.record_after_response(request, event)


def _recorder(request: Request) -> EventRecorder | None:
    # Looked up once per app: a profile view calls this on every request.
    state = request.app.state
    try:
        found: EventRecorder | None = state.event_recorder
    except AttributeError:
        found = provided(state.features, EventRecorder)  # type: ignore[type-abstract]
        state.event_recorder = found
    return found
