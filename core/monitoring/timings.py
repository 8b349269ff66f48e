"""Server timings and server exceptions, from the request pipeline.

``core.observe`` is the pipeline's hook. On the request path this records a
tuple in a list (and, on the 500 path, the exception's sanitised row); the
first request after a flush arms one deferred flush (``ports.defer``:
``waitUntil`` at the edge), which writes every row buffered by then as one
statement, so no request ever waits on a write. Each request is the seed's
``API_RESPONSE_TIME`` metric: route template (never the raw path: ids would
make every path its own series), method, status and duration. The pipeline
also answers a ``Server-Timing`` header."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from typing import Any

from core.clock import iso
from core.http.context import RequestContext
from core.ids import new_id
from core.monitoring import errorlog, repo
from core.ports import Database

log = logging.getLogger("creator_edge.monitoring")
METRIC = "API_RESPONSE_TIME"
UNMATCHED = "<unmatched>"
FLUSH_ROWS = 500  # this many waiting are written at once, timer or not
MAX_BUFFERED = 5000  # kept at most while writes fail (the database is down)


class ServerTimings:
    """One app's ``RequestObserver``."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._rows: list[tuple[str, str, int, float, float]] = []
        self._errors: list[dict[str, Any]] = []
        self._armed = False
        self._flushing = False
        self.written = 0
        self.dropped = 0

    def answered(
        self, ctx: RequestContext, scope: dict[str, Any], status: int, duration_ms: float
    ) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or UNMATCHED
        rows = self._rows
        rows.append((template, scope["method"], status, duration_ms, ctx.ports.clock.now()))
        if not self._armed:
            self._armed = True
            ctx.ports.defer(self._flush_later(ctx.ports.db))
        elif len(rows) >= FLUSH_ROWS and not self._flushing:
            # A busy loop that never idles long enough for the timer: write now.
            self._flushing = True
            ctx.ports.defer(self.flush(ctx.ports.db))

    def failed(self, ctx: RequestContext, scope: dict[str, Any], error: BaseException) -> None:
        try:
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            self._errors.append(
                errorlog.server_row(error, scope["method"], route, ctx.ports.clock.now())
            )
        except Exception:  # recording an error must never make a second one
            log.exception("monitoring: could not record a server error")

    async def _flush_later(self, db: Database) -> None:
        try:
            if self.interval > 0:
                await asyncio.sleep(self.interval)
        finally:
            self._armed = False
        await self.flush(db)

    async def flush(self, db: Database) -> None:
        """Write what is buffered now (the deferred flush; tests and shutdown call it)."""
        rows, self._rows = self._rows, []
        errors, self._errors = self._errors[-100:], []
        try:
            if rows:
                await repo.insert_metrics(db, [_metric(r) for r in rows[-MAX_BUFFERED:]])
                self.written += min(len(rows), MAX_BUFFERED)
                self.dropped += max(0, len(rows) - MAX_BUFFERED)
            for row in errors:
                await errorlog.record(db, row)
        except Exception:  # monitoring degrades, requests do not
            self.dropped += len(rows)
            log.exception("monitoring: %d server timings could not be written", len(rows))
        finally:
            self._flushing = False


def _metric(row: tuple[str, str, int, float, float]) -> tuple[Any, ...]:
    route, method, status, duration, at = row
    key = (route, method, status)
    metadata = _METADATA.get(key)
    if metadata is None:
        if len(_METADATA) >= 4096:
            _METADATA.clear()
        metadata = _METADATA[key] = json.dumps(
            {"route": route, "method": method, "status": status}, separators=(",", ":")
        )
    return (new_id(at), None, METRIC, round(duration, 3), "ms", at, None, metadata, _iso(int(at)))


# Each (route, method, status)'s metadata text.
_METADATA: dict[tuple[str, str, int], str] = {}
# A flush's rows mostly share their second: its ISO form is made once.
_iso = functools.lru_cache(maxsize=4)(iso)


class Observers:
    """Monitoring's ``RequestObservers``: the local server buffers for a quarter
    second; at the edge (no process to buffer in) each request's rows are written
    right after its response, inside ``waitUntil``."""

    def create(self, runtime_name: str) -> ServerTimings:
        return ServerTimings(interval=0.0 if runtime_name == "edge" else 0.25)
