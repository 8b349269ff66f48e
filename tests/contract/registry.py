"""Which adapters each contract suite runs against.

Local adapters are registered in ``tests/contract/local_factories.py``. The edge
adapters run these suites under Pyodide over Miniflare's real bindings
(``tests/pyodide/factories.py``, by ``scripts/test-pyodide``), where only those cases
exist. Each contract suite is parametrised over every case
of its port, so a new adapter is covered by registering it here, nothing else.
"""

from __future__ import annotations

import sys
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
    if sys.platform == "emscripten":
        from tests.pyodide import factories

        return list(factories.CASES.get(port, []))
    from tests.contract import local_factories

    return list(local_factories.CASES.get(port, []))
