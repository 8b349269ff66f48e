"""Which adapters each contract suite runs against.

Local adapters are registered in ``tests/contract/local_factories.py``, the edge
adapters (over the in-process stand-in of the JS bindings) in
``tests/edge/factories.py``. Each contract suite is parametrised over every case
of its port, so a new adapter is covered by registering it here, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.clock import FrozenClock

# A factory takes a fresh temporary folder and the test's clock and yields a
# ready adapter, cleaning up on exit.
Factory = Callable[[Path, FrozenClock], AbstractAsyncContextManager[Any]]


@dataclass(frozen=True)
class AdapterCase:
    name: str
    make: Factory
    # False where expiry runs on the server's own clock (Redis), so a suite
    # cannot move time by advancing the FrozenClock.
    clock_driven: bool = True
    marks: tuple[Any, ...] = field(default_factory=tuple)


def cases(port: str) -> list[AdapterCase]:
    """Every registered adapter of ``port``: database, keyvalue, counter or blobstore."""
    from tests.contract import local_factories
    from tests.edge import factories as edge_factories

    return [*local_factories.CASES.get(port, []), *edge_factories.CASES.get(port, [])]
