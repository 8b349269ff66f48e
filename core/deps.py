"""FastAPI dependencies shared by every feature's routes."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request

from core.feature import Feature
from core.http.context import RequestContext, request_context
from core.ports import Ports
from core.settings import Settings


def context(request: Request) -> RequestContext:
    return request_context(request.scope)


def ports(request: Request) -> Ports:
    return request_context(request.scope).ports


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def features(request: Request) -> Sequence[Feature]:
    """The features the app was built from (``create_app``)."""
    value: Sequence[Feature] = request.app.state.features
    return value
