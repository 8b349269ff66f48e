"""The tier's pytest plugin under Pyodide.

pytest-asyncio cannot run here: its ``asyncio.Runner`` refuses to start inside a
running loop, and under Pyodide everything runs inside the WebLoop that drives
the JS promises of the bindings. So coroutine tests and async fixtures are run
with ``pyodide.ffi.run_sync`` (JSPI suspends the WebAssembly stack until the
coroutine is done), hypothesis' inner test included. It also says what the tier
cannot run, and prints the count of contract tests that passed.
"""

from __future__ import annotations

import functools
import inspect
import sys
from typing import Any

import pytest
from pyodide.ffi import run_sync  # type: ignore[import-not-found]


def _sync(func: Any) -> Any:
    if inspect.isasyncgenfunction(func):

        @functools.wraps(func)
        def generator(*args: Any, **kwargs: Any) -> Any:
            agen = func(*args, **kwargs)
            yield run_sync(agen.__anext__())
            try:
                run_sync(agen.__anext__())
            except StopAsyncIteration:
                return
            raise RuntimeError(f"async fixture {func.__name__} yielded twice")

        return generator
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> Any:
            return run_sync(func(*args, **kwargs))

        return call
    return func


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef: Any, request: Any) -> None:
    fixturedef.func = _sync(fixturedef.func)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: Any) -> bool | None:
    func = pyfuncitem.obj
    inner = getattr(getattr(func, "hypothesis", None), "inner_test", None)
    if inner is not None and inspect.iscoroutinefunction(inner):
        func.hypothesis.inner_test = _sync(inner)
        return None  # hypothesis drives its (now synchronous) inner test
    if inspect.iscoroutinefunction(func):
        names = pyfuncitem._fixtureinfo.argnames
        run_sync(func(**{name: pyfuncitem.funcargs[name] for name in names}))
        return True
    return None


def pytest_sessionstart(session: Any) -> None:
    from _cloudflare import import_patch_manager  # type: ignore[import-not-found]

    import_patch_manager.ahead_of_pytest()
    loaded = [name for name in import_patch_manager._patches if name in sys.modules]
    assert not loaded, f"imported before the runtime's patches could apply: {loaded}"


def pytest_report_header() -> list[str]:
    import _tier  # type: ignore[import-not-found]  # registered by tier.mjs

    return [
        f"pyodide tier: Python {sys.version.split()[0]} ({sys.platform}), "
        f"Pyodide {_tier.lock.runtime.pyodide}; Miniflare 4: D1, KV, R2, Rate Limiting",
        "pyodide tier: Pillow has no Pyodide build to be had offline (Pyodide's own build is "
        "on its CDN only): the steps that need it are skipped",
    ]


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any) -> None:
    stats = terminalreporter.stats
    contract = [r for r in stats.get("passed", []) if "tests/contract/" in r.nodeid]
    terminalreporter.write_line(
        f"pyodide tier: {len(contract)} contract tests passed under Pyodide "
        "over Miniflare's D1, KV and R2"
    )
