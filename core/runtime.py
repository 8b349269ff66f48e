"""How the app reaches its ports: one ``Runtime`` per way of running it."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Protocol

from core.ports import Ports

Scope = MutableMapping[str, Any]


class Runtime(Protocol):
    """Supplies the ports for a request. Locally they are made once; at the
    edge they wrap the bindings in ``scope["env"]`` for each request."""

    name: str  # "local", "edge" or "test": reported by /api/health

    def ports(self, scope: Scope) -> Ports: ...

    def request_facts(self, scope: Scope) -> dict[str, str]:
        """Where the request came from, as the platform tells it (at the edge,
        ``request.cf``: country, city, region, timezone...). Never the address."""
        ...

    async def startup(self) -> None: ...

    async def shutdown(self) -> None: ...


class FixedRuntime:
    """A runtime whose ports are made once: the local server, scripts and tests."""

    def __init__(self, ports: Ports, name: str = "local") -> None:
        self._ports = ports
        self.name = name

    def ports(self, scope: Scope) -> Ports:
        return self._ports

    def request_facts(self, scope: Scope) -> dict[str, str]:
        return {}

    async def startup(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
