"""The local access log: one line a request, written in batches, no address."""

from __future__ import annotations

import io
import logging

from core.local_logging import ACCESS_LOGGER, buffer_access_log
from tests.conftest import CLIENT_IP, make_client


async def test_each_request_is_one_line_and_they_are_written_together(app) -> None:
    stream = io.StringIO()
    handler = buffer_access_log(stream, capacity=1000, interval=3600)
    try:
        async with make_client(app) as client:
            ids = [(await client.get("/api/health")).headers["x-request-id"] for _ in range(3)]
            await client.get("/nothing-here")
        assert stream.getvalue() == ""  # gathered, not yet written
    finally:
        handler.close()
        logger = logging.getLogger(ACCESS_LOGGER)
        logger.handlers.clear()
        logger.propagate = True
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4
    for line, request_id in zip(lines, ids, strict=False):
        assert " INFO creator_edge.access: GET /api/health 200 " in line
        assert line.endswith(f"ms [request_id={request_id}]")
    assert " GET /nothing-here 404 " in lines[3]
    assert CLIENT_IP not in stream.getvalue()


def test_a_batch_is_written_when_full_when_due_or_on_a_warning() -> None:
    stream = io.StringIO()
    handler = buffer_access_log(stream, capacity=3, interval=3600)
    logger = logging.getLogger(ACCESS_LOGGER)
    try:
        logger.info("one")
        logger.info("two")
        assert stream.getvalue() == ""
        logger.info("three")
        assert stream.getvalue().count("\n") == 3
        logger.warning("bad")
        assert stream.getvalue().count("\n") == 4
        handler.interval = 0
        logger.info("late")
        assert stream.getvalue().endswith("late\n")
    finally:
        handler.close()
        logger.handlers.clear()
        logger.propagate = True


def test_the_direct_line_is_the_line_logging_would_write(monkeypatch) -> None:
    """The pipeline hands ``serve``'s handler the fields (no LogRecord); the line
    written must be the one LOG_FORMAT makes of the record ``logging`` would make."""
    from core.http import pipeline
    from core.local_logging import LOG_FORMAT

    stream = io.StringIO()
    handler = buffer_access_log(stream, capacity=1000, interval=3600)
    try:
        assert pipeline.access.sink == handler.access
        for created in (1_790_000_010.0, 1_790_000_010.9996, 1_790_000_011.25):
            monkeypatch.setattr("core.local_logging.time.time", lambda c=created: c)
            handler.access("GET", "/p/alice", 200, 0.4567, "abcdef0123456789")
            record = logging.LogRecord(
                ACCESS_LOGGER,
                logging.INFO,
                __file__,
                1,
                "%s %s %d %.1fms [request_id=%s]",
                ("GET", "/p/alice", 200, 0.4567, "abcdef0123456789"),
                None,
            )
            record.created, record.msecs = created, int((created - int(created)) * 1000) + 0.0
            expected = logging.Formatter(LOG_FORMAT).format(record)
            handler.flush()
            assert stream.getvalue().splitlines()[-1] == expected
    finally:
        handler.close()
        logger = logging.getLogger(ACCESS_LOGGER)
        logger.handlers.clear()
        logger.propagate = True
    assert pipeline.access.sink is None
