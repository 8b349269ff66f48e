"""Edge adapter cases for the contract suites: ``worker.bindings`` over the stand-ins.

Each factory points the adapters' FFI at the fakes (``jsfakes.patched_interop``)
for as long as the adapter is in use. The counter case runs without a Rate
Limiting binding: the binding's fixed windows are not the contract's sliding
window, so its verdicts are tested on their own in ``test_bindings.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from core.clock import FrozenClock
from tests.contract.registry import AdapterCase
from tests.edge import standin
from tests.edge.jsfakes import patched_interop
from worker.bindings import D1Database, EdgeCounter, KVKeyValue, R2BlobStore


@asynccontextmanager
async def d1_database(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[D1Database]:
    db = standin.D1Database(tmp_path / "d1.sqlite")
    try:
        with patched_interop():
            yield D1Database(db)
    finally:
        db.conn.close()


@asynccontextmanager
async def kv_keyvalue(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[KVKeyValue]:
    with patched_interop():
        yield KVKeyValue(standin.KVNamespace(clock))


@asynccontextmanager
async def kv_counter(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[EdgeCounter]:
    with patched_interop():
        yield EdgeCounter(KVKeyValue(standin.KVNamespace(clock)))


@asynccontextmanager
async def r2_blobstore(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[R2BlobStore]:
    with patched_interop():
        yield R2BlobStore(standin.R2Bucket(clock))


CASES: dict[str, list[AdapterCase]] = {
    "database": [AdapterCase("edge-d1", d1_database)],
    "keyvalue": [AdapterCase("edge-kv", kv_keyvalue)],
    "counter": [AdapterCase("edge-kv-counter", kv_counter)],
    "blobstore": [AdapterCase("edge-r2", r2_blobstore)],
}
