"""The write path: never blocking, buffered locally, one write a request at the
edge, and the page script."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import pytest

from core.analytics import repo
from core.analytics.ingest import beacon, collect
from core.analytics.ingest.writer import EventWriter
from core.profiles.directory import Directory
from tests.analytics.conftest import CHROME, events, settle


def blank(ts: int) -> tuple:
    values = dict.fromkeys(repo.COLUMNS)
    values.update(ts=ts, type="custom", owner_id="o", profile_id="p")
    return tuple(values[c] for c in repo.COLUMNS)


async def test_the_writer_flushes_on_its_interval_when_full_and_on_close(runtime) -> None:
    db = runtime.database
    writer = EventWriter(db, interval=0.05, max_rows=10)
    writer.add([blank(1)])
    assert writer.pending == 1
    await asyncio.sleep(0.2)
    assert writer.pending == 0 and writer.written == 1
    writer.add([blank(2)] * 25)  # over max_rows: written at once, many a statement
    await writer.flush()
    writer.add([blank(3)] * 3)
    await writer.close()
    count = await db.first("SELECT count(*) AS n FROM analytics_events")
    assert count["n"] == 29


async def test_without_a_local_writer_each_request_is_one_insert(site, runtime) -> None:
    """The edge path: no buffer, the request's events go in one statement."""
    calls = []
    db = runtime.database

    class Counting:
        def __getattr__(self, name):
            return getattr(db, name)

        async def run(self, sql, *params):
            calls.append(sql)
            return await db.run(sql, *params)

    from dataclasses import replace

    ports = replace(runtime.ports(), db=Counting())
    visit = collect.Visit(
        at=1_790_000_010.0,
        client_key="k",
        user_agent=CHROME,
        facts={"country": "US"},
        referrer=None,
        query="",
        host="testserver",
        private=False,
    )
    pending = [
        collect.Pending(type="page_view", profile_id=site.profile_id, owner_id=None),
        collect.Pending(type="custom", profile_id=site.profile_id, owner_id=None, x=0.1, y=0.2),
    ]
    await collect.record(ports, None, visit, pending, Directory())
    assert [c for c in calls if c.startswith("INSERT")] == [repo.INSERT_SQL]
    assert len(await events(runtime)) == 2


@pytest.mark.planted_error
async def test_recording_never_breaks_the_page(site, visitor, runtime, monkeypatch) -> None:
    def broken(*_a, **_k):
        raise RuntimeError("no analytics today")

    monkeypatch.setattr(collect, "capture", broken)
    client = visitor("203.0.113.70", CHROME)
    assert (await client.get(f"/p/{site.slug}")).status_code == 200
    await settle(runtime)
    assert await events(runtime) == []


async def test_shutdown_writes_what_is_buffered(site, visitor, runtime) -> None:
    runtime.analytics_writer.interval = 60  # only shutdown will write
    client = visitor("203.0.113.71", CHROME)
    await client.get(f"/p/{site.slug}")
    assert await runtime.defer.drain(5)
    assert runtime.analytics_writer.pending == 1
    await runtime.analytics_writer.close()
    assert len(await events(runtime)) == 1


def test_the_page_script_is_nonced_escaped_and_valid_javascript(tmp_path) -> None:
    html = str(beacon.beacon_script('n"once', "<pid>"))
    assert html.startswith('<script nonce="n&#34;once" data-profile="&lt;pid&gt;">')
    assert "http" not in beacon.BEACON_JS  # no third party
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the syntax check needs it")
    script = tmp_path / "beacon.js"
    script.write_text(beacon.BEACON_JS)
    subprocess.run([node, "--check", str(script)], check=True, capture_output=True)


async def test_flush_waits_for_the_write_its_interval_began(runtime) -> None:
    db = runtime.database
    writer = EventWriter(db, interval=0.01)
    # Something long holds the write thread: the interval's write waits behind it.
    busy = asyncio.ensure_future(
        db.run(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000)"
            " SELECT count(*) FROM c"
        )
    )
    await asyncio.sleep(0)
    writer.add([blank(1)])
    await asyncio.sleep(0.05)  # the interval is over: its write is queued
    assert writer.pending == 0 and not busy.done()
    await writer.flush()
    assert (await db.first("SELECT count(*) AS n FROM analytics_events"))["n"] == 1
    await busy
