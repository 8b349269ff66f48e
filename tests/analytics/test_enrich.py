"""Enrichment: user agents, referrers, UTM tags, place facts and daily salts."""

from __future__ import annotations

import pytest

from core.analytics.ingest import agents, salts, sources
from core.analytics.ingest.geo import MaxMindCity, facts_from_headers, local_facts
from core.clock import FrozenClock
from tests.analytics.conftest import CHROME, GOOGLEBOT, HEADLESS, IPHONE

IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/17.4 Mobile/15E148 Safari/604.1"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0.0.0 Safari/537.36"
)
PIXEL = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0.0.0 Mobile Safari/537.36"
)


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (CHROME, ("desktop", "Chrome", "Windows")),
        (IPHONE, ("mobile", "Mobile Safari", "iOS")),
        (IPAD, ("tablet", "Mobile Safari", "iOS")),
        (ANDROID_TABLET, ("tablet", "Chrome", "Android")),
        (PIXEL, ("mobile", "Chrome Mobile", "Android")),
    ],
)
def test_device_browser_and_os(agent, expected) -> None:
    found = agents.describe(agent)
    assert not found.bot
    assert (found.device, found.browser, found.os) == expected


@pytest.mark.parametrize(
    "agent",
    [
        GOOGLEBOT,
        HEADLESS,
        "curl/8.4.0",
        "Wget/1.21",
        "python-requests/2.31.0",
        "Go-http-client/1.1",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "facebookexternalhit/1.1",
        "",
        None,
    ],
)
def test_bots(agent) -> None:
    assert agents.describe(agent).bot


def test_referrers() -> None:
    assert sources.referrer_of("https://www.Google.com/search?q=me") == (
        "google.com",
        "https://www.Google.com/search",
    )
    assert sources.referrer_of("http://testserver/p/a", "testserver") == (None, None)
    assert sources.referrer_of("javascript:alert(1)") == (None, None)
    assert sources.referrer_of("not a url") == (None, None)
    assert sources.referrer_of("https://[::1") == (None, None)
    assert sources.referrer_of(None) == (None, None)


def test_utm_tags() -> None:
    assert sources.utm_of("utm_source=a&utm_medium=b&utm_campaign=c&z=1") == ("a", "b", "c")
    assert sources.utm_of("ref=x") == (None, None, None)
    assert sources.utm_of("utm_source=" + "s" * 500)[0] == "s" * 100


def test_place_facts() -> None:
    assert sources.place({"country": "de", "city": "Berlin", "timezone": "Europe/Berlin"}) == (
        "DE",
        None,
        "Berlin",
        "Europe/Berlin",
    )
    assert sources.place({"country": "XX"})[0] is None
    assert sources.tz_offset("Europe/Berlin", 1_790_000_010) == 120  # summer time
    assert sources.tz_offset("Nowhere/Special", 1_790_000_010) is None


def test_local_facts_from_cloudflare_style_headers() -> None:
    headers = [
        (b"cf-ipcountry", b"NL"),
        (b"cf-ipcity", b"Amsterdam"),
        (b"cf-region", b"North Holland"),
        (b"cf-timezone", b"Europe/Amsterdam"),
    ]
    assert facts_from_headers(headers) == {
        "country": "NL",
        "city": "Amsterdam",
        "region": "North Holland",
        "timezone": "Europe/Amsterdam",
    }
    scope = {"headers": [], "client": ("192.0.2.1", 1)}
    assert local_facts(scope, None, None) == {}


def test_local_facts_from_a_maxmind_database(tmp_path) -> None:
    writer_module = pytest.importorskip("mmdb_writer", reason="mmdb-writer builds the test db")
    pytest.importorskip("maxminddb", reason="maxminddb is the local extra's reader")
    from netaddr import IPSet

    writer = writer_module.MMDBWriter(ip_version=4, database_type="GeoIP2-City")
    writer.insert_network(
        IPSet(["198.51.100.0/24"]),
        {
            "country": {"iso_code": "JP"},
            "city": {"names": {"en": "Osaka"}},
            "subdivisions": [{"names": {"en": "Osaka"}}],
            "location": {"time_zone": "Asia/Tokyo"},
        },
    )
    path = tmp_path / "city.mmdb"
    writer.to_db_file(str(path))
    geo = MaxMindCity(path)
    try:
        scope = {"headers": [], "client": ("198.51.100.9", 1)}
        assert local_facts(scope, geo, None) == {
            "country": "JP",
            "city": "Osaka",
            "region": "Osaka",
            "timezone": "Asia/Tokyo",
        }
        via_header = {"headers": [(b"x-real-ip", b"198.51.100.10")], "client": ("10.0.0.1", 1)}
        assert local_facts(via_header, geo, "X-Real-IP")["country"] == "JP"
        assert geo.facts("192.0.2.1") == {}
    finally:
        geo.close()


async def test_salts_rotate_daily_and_none_outlives_48_hours(runtime) -> None:
    kv = runtime.ports().kv
    clock = FrozenClock(20_000 * 86400 + 4 * 3600)
    today = salts.day_of(clock.now())
    await salts.rotate(kv, clock.now())
    first = await salts.salt_for(kv, today, clock.now())
    assert len(first) == 16
    assert await kv.get(f"{salts.PREFIX}{today + 1:06d}") is not None
    # Two days on: today's salt is new; the old one is gone (KV ttl and the job).
    clock.advance(2 * 86400)
    await kv.put(f"{salts.PREFIX}{today - 5:06d}", "00" * 16)
    await salts.rotate(kv, clock.now())
    keys = (await kv.list(salts.PREFIX)).keys
    days = sorted(int(k.removeprefix(salts.PREFIX)) for k in keys)
    assert min(days) >= salts.day_of(clock.now()) - 1
    later = await salts.salt_for(kv, salts.day_of(clock.now()), clock.now())
    assert later != first


def test_the_visitor_hash_depends_on_every_part() -> None:
    base = salts.visitor_hash(b"s" * 16, "p1", "client", "agent")
    assert len(base) == 16
    assert base != salts.visitor_hash(b"t" * 16, "p1", "client", "agent")
    assert base != salts.visitor_hash(b"s" * 16, "p2", "client", "agent")
    assert base != salts.visitor_hash(b"s" * 16, "p1", "other", "agent")
    assert base != salts.visitor_hash(b"s" * 16, "p1", "client", "agent2")
