"""Edge adapter cases for the contract suites under Pyodide: ``worker/``'s adapters
over Miniflare's real D1, KV and R2 bindings (``tests/pyodide/tier.mjs``).

Every case empties the bindings first. Expiry runs on Miniflare's clock, so the
suites cannot move it (``clock_driven=False``). The counter case runs without a
Rate Limiting binding: the binding's fixed windows are not the contract's sliding
window (its verdicts are checked in ``tier_bindings.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import _tier  # type: ignore[import-not-found]  # registered by tier.mjs

from core.clock import FrozenClock
from tests.contract.registry import AdapterCase
from worker.bindings import D1Database, EdgeCounter, KVKeyValue, R2BlobStore


@asynccontextmanager
async def fresh(make: Any) -> AsyncIterator[Any]:
    await _tier.reset()
    yield make(_tier.env)


def d1_database(tmp_path: Path, clock: FrozenClock) -> Any:
    return fresh(lambda env: D1Database(env.DB))


def kv_keyvalue(tmp_path: Path, clock: FrozenClock) -> Any:
    return fresh(lambda env: KVKeyValue(env.KV))


def kv_counter(tmp_path: Path, clock: FrozenClock) -> Any:
    return fresh(lambda env: EdgeCounter(KVKeyValue(env.KV)))


def r2_blobstore(tmp_path: Path, clock: FrozenClock) -> Any:
    return fresh(lambda env: R2BlobStore(env.BUCKET))


CASES: dict[str, list[AdapterCase]] = {
    "database": [AdapterCase("miniflare-d1", d1_database)],
    "keyvalue": [AdapterCase("miniflare-kv", kv_keyvalue, clock_driven=False)],
    "counter": [AdapterCase("miniflare-kv-counter", kv_counter, clock_driven=False)],
    "blobstore": [AdapterCase("miniflare-r2", r2_blobstore, clock_driven=False)],
}
