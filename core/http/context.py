"""What the pipeline learns about a request, kept in the ASGI scope for routes."""

from __future__ import annotations

import os
from base64 import urlsafe_b64encode
from dataclasses import dataclass, field
from typing import Any

from core.ports import Ports

SCOPE_KEY = "creator_edge"


@dataclass(slots=True)
class AppliedPolicy:
    """A rate-limit policy applied to this request, for the RateLimit headers."""

    name: str
    limit: int
    window: int
    remaining: int
    reset: int


@dataclass(slots=True)
class RequestContext:
    request_id: str
    ports: Ports
    # A keyed hash of the client address: the only form of it anything keeps.
    client_key: str
    user_agent: str | None
    policies: list[AppliedPolicy] = field(default_factory=list)
    _nonce: str | None = None

    @property
    def nonce(self) -> str:
        """This response's CSP nonce, made when a page first asks for it."""
        if self._nonce is None:
            self._nonce = new_nonce()
        return self._nonce


def new_nonce() -> str:
    """22 URL-safe characters from 16 random bytes: ``secrets.token_urlsafe(16)``
    without its two layers of calls (a page asks for one on every response)."""
    return urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()


def request_context(scope: Any) -> RequestContext:
    ctx: RequestContext = scope[SCOPE_KEY]
    return ctx
