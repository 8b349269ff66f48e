"""The export's bytes for a fixed data set: the format exports had before the
export was made faster (``export_golden.csv`` and ``export_golden.json`` beside
this file), across page boundaries, ties on ts, and values CSV and JSON quote."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from core.analytics import repo
from core.analytics.reports import export

HERE = Path(__file__).parent
PROFILE = "01PROFILE"
START = 1_789_900_000_000
TEXTS = [
    "plain",
    "comma, inside",
    'a "quoted" word',
    "line\nbreak",
    "carriage\rreturn",
    "",
    "naïve café ☕ 日本",
    "sep\u2028arator",
    " padded ",
    "tab\there",
    "😀",
    "back\\slash",
]
REALS = [0.1, 1.0, 0.0, 1 / 3, 1e-7, 0.5, 0.999999999999]


def fixed_rows() -> list[tuple]:
    rows = []
    for i in range(40):
        text = TEXTS[i % len(TEXTS)]
        values = dict.fromkeys(repo.COLUMNS)
        values.update(
            # Ties on ts, some across page boundaries (pages of 7 in the test).
            ts=START + (i // 3) * 1000,
            type=("profile_view", "link_click", "custom", "page_view")[i % 4],
            owner_id="01OWNER",
            profile_id=PROFILE if i % 9 else "01SOMEONE-ELSE",
            link_id=f"L{i % 5}" if i % 4 == 1 else None,
            content_id=text if i % 6 == 0 else None,
            visitor=f"{i * 7919:016x}" if i % 2 else None,
            country=("SE", None, "US")[i % 3],
            region=text if i % 5 == 0 else None,
            city=text,
            device=("desktop", "mobile", None)[i % 3],
            browser="Chrome" if i % 2 else None,
            os="Windows" if i % 3 else None,
            timezone="Europe/Stockholm" if i % 2 else None,
            tz_offset=(60, -420, 0, None)[i % 4],
            referrer_host="google.com" if i % 3 == 0 else None,
            referrer_url=f"https://google.com/{text}" if i % 3 == 0 else None,
            utm_source=text if i % 4 == 0 else None,
            utm_medium="social" if i % 8 == 0 else None,
            utm_campaign=None,
            load_ms=(i * 37 if i % 2 else None),
            response_bytes=(2**53 - 1 if i == 5 else i * 1000 if i % 3 == 0 else None),
            x=REALS[i % len(REALS)] if i % 2 else None,
            y=REALS[(i + 3) % len(REALS)] if i % 2 else None,
            selector=text if i % 7 == 0 else None,
            path="/p/alice-page",
            properties=(
                json.dumps({"i": i, "s": text, "f": 1.5}, separators=(",", ":"))
                if i % 2 == 0
                else None
            ),
        )
        rows.append(tuple(values[c] for c in repo.COLUMNS))
    return rows


async def exported(db, fmt: str, start: int, end: int) -> bytes:
    return b"".join([chunk async for chunk in export.stream(db, PROFILE, start, end, fmt)])


@pytest.mark.parametrize("page", [7, 1000])
@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_export_bytes_are_unchanged(runtime, monkeypatch, fmt, page) -> None:
    monkeypatch.setattr(export, "PAGE", page)
    await repo.insert_events(runtime.database, fixed_rows())
    got = await exported(runtime.database, fmt, START + 1000, START + 13_000)
    assert got == (HERE / f"export_golden.{fmt}").read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_export_of_a_full_last_page_and_of_nothing(runtime, monkeypatch, fmt) -> None:
    monkeypatch.setattr(export, "PAGE", 5)
    await repo.insert_events(runtime.database, fixed_rows())
    # A range of whole pages: the last read finds nothing.
    times = [
        row["ts"]
        for row in await runtime.database.all(
            "SELECT ts FROM analytics_events WHERE profile_id = ? ORDER BY ts, id", PROFILE
        )
    ]
    end = next(t for n, t in enumerate(times) if n > 5 and n % 5 == 0 and times[n - 1] < t)
    full = await exported(runtime.database, fmt, START, end)
    assert full.count(b"/p/alice-page") % 5 == 0
    monkeypatch.setattr(export, "PAGE", 1000)
    assert full == await exported(runtime.database, fmt, START, end)
    empty = await exported(runtime.database, fmt, START - 10_000, START)
    header = (",".join(repo.EXPORT_COLUMNS) + "\r\n").encode()
    assert empty == (header if fmt == "csv" else b"[\n]\n")


async def test_an_export_left_early_leaves_no_read_behind(runtime, monkeypatch) -> None:
    monkeypatch.setattr(export, "PAGE", 5)
    await repo.insert_events(runtime.database, fixed_rows())
    body = export.stream(runtime.database, PROFILE, START, START + 50_000, "csv")
    await anext(body)  # the header
    assert (await anext(body)).count(b"\r\n") == 5  # a page; the next one is being read
    await body.aclose()  # the client went away
    await asyncio.sleep(0.05)
    reads = [t for t in asyncio.all_tasks() if "export_page" in repr(t.get_coro())]
    assert all(t.done() for t in reads)
