"""The rows the write path stores for a varied set of visits, column by column.

The expected rows are what the enrichment gave before the write path was made
faster (bots, user agents, places, referrers, UTM tags, beacons' own fields,
consent and Do Not Track, visitor hashes across midnight): both the local batch
writer and the edge's one INSERT a request must still store exactly these.
"""

from __future__ import annotations

import json
from hashlib import blake2b

import pytest

from core.analytics import repo
from core.analytics.ingest import collect
from core.analytics.ingest.writer import EventWriter
from core.profiles.directory import Directory
from tests.analytics.conftest import CHROME, FIREFOX, GOOGLEBOT, HEADLESS, IPHONE

IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/17.4 Mobile/15E148 Safari/604.1"
)
PIXEL = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0.0.0 Mobile Safari/537.36"
)
DAY = 20717  # 2026-09-21 (UTC), days since the epoch
AT = DAY * 86400 + 51210.0  # 14:13:30 UTC
SALTS = {DAY - 1: bytes(range(16)), DAY: bytes(range(16, 32))}
SF = {"country": "US", "region": "California", "city": "San Francisco"}
SF["timezone"] = "America/Los_Angeles"


def visit(at: float = AT, agent: str = CHROME, facts: dict | None = None, **kw) -> collect.Visit:
    fields = {
        "client_key": "client-1",
        "referrer": None,
        "query": "",
        "host": "testserver",
        "private": False,
        "consented": False,
    }
    fields.update(kw)
    return collect.Visit(at=at, user_agent=agent, facts=SF if facts is None else facts, **fields)


def cases(site: str, other: str, owner: str) -> list[tuple[collect.Visit, list[collect.Pending]]]:
    """(visit, events) in the order they are recorded. ``site`` hashes consenting
    visitors, ``other`` is a public profile without the consent mode."""
    view = collect.Pending
    return [
        # A consenting visitor from a search engine, UTM-tagged: hashed on ``site``.
        (
            visit(
                referrer="https://www.Google.com/search?q=me",
                query="utm_source=ig&utm_medium=social&utm_campaign=fall&z=1",
                consented=True,
            ),
            [view("profile_view", site, None, path="/p/alice-page", query="utm_source=ig")],
        ),
        # A phone, a lower-case country with padded city, a referrer from this site.
        (
            visit(
                agent=IPHONE,
                facts={"country": "de", "city": " Berlin ", "timezone": "Europe/Berlin"},
                referrer="http://testserver/p/alice-page",
                client_key="client-2",
            ),
            [view("link_click", site, None, link_id="L1", path="/p/alice-page")],
        ),
        # A crawler: its page views are dropped, an owner's own event is kept as a bot's.
        (
            visit(agent=GOOGLEBOT),
            [
                view("profile_view", site, None, path="/p/alice-page"),
                view(
                    "asset_upload", None, owner, response_bytes=2048, properties={"kind": "image"}
                ),
            ],
        ),
        (visit(agent=HEADLESS), [view("profile_view", site, None, path="/p/alice-page")]),
        # Do Not Track: no city, no user agent, no hash even with consent.
        (
            visit(agent=FIREFOX, private=True, consented=True, referrer="https://t.co/abc"),
            [view("profile_view", site, None, path="/p/alice-page")],
        ),
        # Unknown places, long names, a malformed referrer; a profile that is not public.
        (
            visit(
                agent=IPAD,
                facts={"country": "XX", "region": "R" * 100, "city": "", "timezone": "Mars/Base"},
                referrer="not a url",
                client_key="client-3",
            ),
            [
                view("profile_view", other, None, path="/p/other"),
                view("profile_view", "no-such-profile", None, path="/p/nope"),
            ],
        ),
        (
            visit(agent=PIXEL, facts={"country": "T1"}, referrer="javascript:alert(1)"),
            [view("profile_view", other, None, path="/p/other")],
        ),
        # A beacon's batch: its own referrers (none, another), positions, load times,
        # offsets, properties; a consenting visitor on both profiles.
        (
            visit(
                agent=PIXEL,
                facts={"country": "jp", "region": " Tokyo ", "city": "Shibuya"},
                referrer="https://beacon-own-referer.example/x",
                consented=True,
                client_key="client-4",
            ),
            [
                view("page_view", site, None, path="/p/alice-page", referrer="", load_ms=812),
                view(
                    "custom",
                    site,
                    None,
                    content_id="C1",
                    path="/p/alice-page",
                    query="utm_source=&utm_medium=%20mail%20&utm_campaign=" + "c" * 150,
                    referrer="https://news.ycombinator.com/item?id=1#top",
                    x=0.25,
                    y=1.0,
                    selector="a.link > span",
                    tz_offset=540,
                    properties={"name": "click", "s": 'q"uote, comma\nline', "n": 1.5},
                ),
                view("page_view", other, None, path="/p/other", referrer="android-app://com.x"),
            ],
        ),
        # Late yesterday, then after midnight from the same visitor: yesterday's hash kept.
        (
            visit(at=DAY * 86400 - 300.0, consented=True, client_key="client-5"),
            [view("profile_view", site, None, path="/p/alice-page")],
        ),
        (
            visit(at=DAY * 86400 + 600.0, consented=True, client_key="client-5"),
            [view("profile_view", site, None, path="/p/alice-page")],
        ),
        # After midnight, first seen today: today's hash.
        (
            visit(at=DAY * 86400 + 700.0, consented=True, client_key="client-6"),
            [view("profile_view", site, None, path="/p/alice-page")],
        ),
    ]


def hashed(day: int, profile: str, client_key: str, agent: str) -> str:
    data = f"{profile}\x00{client_key}\x00{agent}".encode()
    return blake2b(data, key=SALTS[day], digest_size=8).hexdigest()


def expected(site: str, other: str, owner: str) -> list[tuple]:
    def row(ts, type_, profile, place, agent, tz, **kw):
        values = dict.fromkeys(repo.COLUMNS)
        values.update(ts=ts, type=type_, owner_id=owner, profile_id=profile, **kw)
        values.update(zip(("country", "region", "city", "timezone"), place, strict=True))
        values.update(zip(("device", "browser", "os"), agent, strict=True))
        values["tz_offset"] = tz
        return tuple(values[c] for c in repo.COLUMNS)

    at = int(AT * 1000)
    sf = ("US", "California", "San Francisco", "America/Los_Angeles")
    chrome = ("desktop", "Chrome", "Windows")
    pixel = ("mobile", "Chrome Mobile", "Android")
    return [
        row(
            at,
            "profile_view",
            site,
            sf,
            chrome,
            -420,
            visitor=hashed(DAY, site, "client-1", CHROME),
            referrer_host="google.com",
            referrer_url="https://www.Google.com/search",
            utm_source="ig",
            path="/p/alice-page",
        ),
        row(
            at,
            "link_click",
            site,
            ("DE", None, "Berlin", "Europe/Berlin"),
            ("mobile", "Mobile Safari", "iOS"),
            120,
            link_id="L1",
            path="/p/alice-page",
        ),
        row(
            at,
            "asset_upload",
            None,
            sf,
            (None, None, None),
            -420,
            response_bytes=2048,
            properties='{"kind":"image"}',
        ),
        row(
            at,
            "profile_view",
            site,
            ("US", "California", None, "America/Los_Angeles"),
            (None, None, None),
            -420,
            referrer_host="t.co",
            referrer_url="https://t.co/abc",
            path="/p/alice-page",
        ),
        row(
            at,
            "profile_view",
            other,
            (None, "R" * 80, None, "Mars/Base"),
            ("tablet", "Mobile Safari", "iOS"),
            None,
            path="/p/other",
        ),
        row(at, "profile_view", other, (None, None, None, None), pixel, None, path="/p/other"),
        row(
            at,
            "page_view",
            site,
            ("JP", "Tokyo", "Shibuya", None),
            pixel,
            None,
            visitor=hashed(DAY, site, "client-4", PIXEL),
            load_ms=812,
            path="/p/alice-page",
        ),
        row(
            at,
            "custom",
            site,
            ("JP", "Tokyo", "Shibuya", None),
            pixel,
            540,
            content_id="C1",
            visitor=hashed(DAY, site, "client-4", PIXEL),
            referrer_host="news.ycombinator.com",
            referrer_url="https://news.ycombinator.com/item",
            utm_medium="mail",
            utm_campaign="c" * 100,
            x=0.25,
            y=1.0,
            selector="a.link > span",
            path="/p/alice-page",
            properties=json.dumps(
                {"name": "click", "s": 'q"uote, comma\nline', "n": 1.5}, separators=(",", ":")
            ),
        ),
        row(
            at,
            "page_view",
            other,
            ("JP", "Tokyo", "Shibuya", None),
            pixel,
            None,
            referrer_host="com.x",
            referrer_url="android-app://com.x",
            path="/p/other",
        ),
        row(
            DAY * 86400_000 - 300_000,
            "profile_view",
            site,
            sf,
            chrome,
            -420,
            visitor=hashed(DAY - 1, site, "client-5", CHROME),
            path="/p/alice-page",
        ),
        row(
            DAY * 86400_000 + 600_000,
            "profile_view",
            site,
            sf,
            chrome,
            -420,
            visitor=hashed(DAY - 1, site, "client-5", CHROME),
            path="/p/alice-page",
        ),
        row(
            DAY * 86400_000 + 700_000,
            "profile_view",
            site,
            sf,
            chrome,
            -420,
            visitor=hashed(DAY, site, "client-6", CHROME),
            path="/p/alice-page",
        ),
    ]


@pytest.mark.parametrize("path", ["local batch writer", "edge, one INSERT a request"])
async def test_stored_rows_are_the_enrichment_of_each_visit(alice, site, runtime, path) -> None:
    made = await alice.post("/api/profiles", json={"slug": "other", "display_name": "Other"})
    assert made.status_code == 201, made.text
    other = made.json()["id"]
    owner = alice.tokens["user"]["id"]
    ports = runtime.ports()
    for day, salt in SALTS.items():
        await ports.kv.put(f"analytics:salt:{day:06d}", salt.hex(), ttl=3 * 86400)
    writer = EventWriter(runtime.database) if path == "local batch writer" else None
    for seen, events in cases(site.profile_id, other, owner):
        await collect.record(ports, writer, seen, events, Directory())
        if writer is not None:
            await writer.flush()  # yesterday's row is there before today's visit looks
    stored = [
        tuple(row.values())
        for row in await runtime.database.all(
            f"SELECT {', '.join(repo.COLUMNS)} FROM analytics_events ORDER BY id"
        )
    ]
    want = expected(site.profile_id, other, owner)
    assert len(stored) == len(want)
    for got, row in zip(stored, want, strict=True):
        assert dict(zip(repo.COLUMNS, got, strict=True)) == dict(
            zip(repo.COLUMNS, row, strict=True)
        )
    # The same types as bound: integers stay integers, reals reals.
    assert [type(v) for v in stored[7]] == [type(v) for v in want[7]]
