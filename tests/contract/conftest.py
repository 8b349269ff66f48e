"""Fixtures for the contract suites: each port's fixture runs once per registered adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.clock import FrozenClock
from tests.contract.registry import AdapterCase, cases


@dataclass
class Subject:
    """The adapter under test, the case that made it, and the clock it was given."""

    adapter: Any
    case: AdapterCase
    clock: FrozenClock

    def needs_clock(self) -> None:
        """Skip the test where expiry runs on a clock the test cannot move."""
        if not self.case.clock_driven:
            pytest.skip(f"{self.case.name}: expiry runs on the server's clock")


def _params(port: str) -> list[Any]:
    return [pytest.param(case, id=case.name, marks=case.marks) for case in cases(port)]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(params=_params("database"))
async def database(request, tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Subject]:
    async with request.param.make(tmp_path, clock) as adapter:
        yield Subject(adapter, request.param, clock)


@pytest.fixture(params=_params("keyvalue"))
async def keyvalue(request, tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Subject]:
    async with request.param.make(tmp_path, clock) as adapter:
        yield Subject(adapter, request.param, clock)


@pytest.fixture(params=_params("counter"))
async def counter(request, tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Subject]:
    async with request.param.make(tmp_path, clock) as adapter:
        yield Subject(adapter, request.param, clock)


@pytest.fixture(params=_params("blobstore"))
async def blobstore(request, tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Subject]:
    async with request.param.make(tmp_path, clock) as adapter:
        yield Subject(adapter, request.param, clock)
