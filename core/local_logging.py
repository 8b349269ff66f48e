"""The local server's access log, written in batches.

The pipeline logs one line per request (``creator_edge.access``: method, path,
status, duration, request id; never the client's address). A plain
``StreamHandler`` writes and flushes stderr on the event loop for every line;
here lines gather in memory and go out in one write when ``capacity`` lines
have gathered, when ``interval`` seconds have passed since the last write (on
the next line), on a line of WARNING or worse, and when serving stops. A
listener thread was tried first: under load its GIL hand-offs cost the loop
more than the write they saved (``scripts/bench_pipeline.py``).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

from core.http import pipeline

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ACCESS_LOGGER = "creator_edge.access"


class BatchedLines(logging.Handler):
    """Formats each record at once, writes them to ``stream`` in batches."""

    def __init__(self, stream: TextIO, *, capacity: int = 256, interval: float = 1.0) -> None:
        super().__init__()
        self.stream = stream
        self.capacity = capacity
        self.interval = interval
        self._lines: list[str | tuple[float, str, str, int, float, str]] = []
        self._written_at = time.monotonic()
        self._second = -1
        self._stamp = ""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._lines.append(self.format(record))
        except Exception:
            self.handleError(record)
            return
        if (
            len(self._lines) >= self.capacity
            or record.levelno >= logging.WARNING
            or time.monotonic() - self._written_at >= self.interval
        ):
            self.flush()

    def access(self, method: str, path: str, status: int, ms: float, request_id: str) -> None:
        """The pipeline's access line, straight (``pipeline.AccessSink``): its fields
        are kept and formatted when written, as ``LOG_FORMAT`` formats the record
        ``logging`` would make of it, without making one on the request path."""
        self._lines.append((time.time(), method, path, status, ms, request_id))
        if (
            len(self._lines) >= self.capacity
            or time.monotonic() - self._written_at >= self.interval
        ):
            self.flush()

    def _line(self, entry: str | tuple[float, str, str, int, float, str]) -> str:
        if isinstance(entry, str):
            return entry
        created, method, path, status, ms, request_id = entry
        second = int(created)
        if second != self._second:  # formatTime's default, once a second
            self._second = second
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        msecs = int((created - second) * 1000)
        return (
            f"{self._stamp},{msecs:03d} INFO {ACCESS_LOGGER}: {method} {path} {status}"
            f" {ms:.1f}ms [request_id={request_id}]"
        )

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            lines, self._lines = self._lines, []
            self._written_at = time.monotonic()
            if lines:
                self.stream.write("\n".join(map(self._line, lines)) + "\n")
                self.stream.flush()

    def close(self) -> None:
        if pipeline.access.sink == self.access:
            pipeline.access.sink = None
        self.flush()
        super().close()


def lean_log_records() -> None:
    """Stop gathering what ``LOG_FORMAT`` never prints: the caller's frame (a stack
    walk a line), thread and process names. The logging HOWTO's "Optimization"
    section names exactly these switches; about 40% of a line's cost here."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def buffer_access_log(
    stream: TextIO | None = None, *, capacity: int = 256, interval: float = 1.0
) -> BatchedLines:
    """Send the access log to ``stream`` (stderr) in batches; ``close()`` writes the rest."""
    handler = BatchedLines(stream or sys.stderr, capacity=capacity, interval=interval)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    # The formatter is LOG_FORMAT's, which ``access`` writes itself.
    pipeline.access.sink = handler.access
    return handler
