"""Demo data: fill the local database with realistic analytics, quickly.

Several public profiles of the demo account (``demo``, made over the API when
there is none), and nobody else's: every event and rollup it writes is the demo
account's, so real profiles' numbers never change. Power-law traffic between
them and between their links, a daily rhythm, real user-agent strings,
countries, referrers and UTM campaigns. Every event goes through the same path
as live traffic (``collect.enrich``: bots dropped, salted visitor hash, user
agent parsed) and the same bulk insert (``json_each``), then the demo's days
are folded into the rollups.

Run: .venv/bin/python scripts/demo_analytics.py [--events 200000] [--days 30]
(the data dir is CREATOR_EDGE_DATA_DIR, ``.data/`` by default).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Real browsers (and two crawlers, which the path drops), most common first.
USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
    " Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
    " Gecko) Mobile/15E148 Instagram 327.0.0.41.93 (iPhone15,3; iOS 17_4; en_US; en; scale=3.00;"
    " 1290x2796; 590409350)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko)"
    " SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
    " Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
]
COUNTRIES = [
    ("US", "California", "Los Angeles", "America/Los_Angeles"),
    ("US", "New York", "New York", "America/New_York"),
    ("DE", "Berlin", "Berlin", "Europe/Berlin"),
    ("GB", "England", "London", "Europe/London"),
    ("FR", "Ile-de-France", "Paris", "Europe/Paris"),
    ("BR", "Sao Paulo", "Sao Paulo", "America/Sao_Paulo"),
    ("IN", "Maharashtra", "Mumbai", "Asia/Kolkata"),
    ("JP", "Tokyo", "Tokyo", "Asia/Tokyo"),
    ("NL", "North Holland", "Amsterdam", "Europe/Amsterdam"),
    ("CA", "Ontario", "Toronto", "America/Toronto"),
    ("AU", "New South Wales", "Sydney", "Australia/Sydney"),
    ("ES", "Madrid", "Madrid", "Europe/Madrid"),
]
REFERRERS = [
    None,
    "https://www.instagram.com/",
    "https://t.co/abc",
    "https://www.tiktok.com/",
    "https://www.youtube.com/",
    "https://www.google.com/",
    "https://news.ycombinator.com/",
    "https://www.reddit.com/r/programming/",
    "https://github.com/",
]
CAMPAIGNS = [
    "",
    "",
    "",
    "utm_source=instagram&utm_medium=social&utm_campaign=bio",
    "utm_source=newsletter&utm_medium=email&utm_campaign=weekly",
    "utm_source=youtube&utm_medium=video&utm_campaign=launch",
]


def zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


def visit_facts(rng: random.Random, n: int) -> list[tuple]:
    """``n`` visits: (user agent, client key, place, referrer, query, private)."""
    ua_weights = zipf_weights(len(USER_AGENTS), 0.9)
    place_weights = zipf_weights(len(COUNTRIES), 0.8)
    out = []
    for _ in range(n):
        client = hashlib.blake2b(rng.randbytes(8), digest_size=16).hexdigest()
        country, region, city, tz = rng.choices(COUNTRIES, place_weights)[0]
        out.append(
            (
                rng.choices(USER_AGENTS, ua_weights)[0],
                client,
                {"country": country, "region": region, "city": city, "timezone": tz},
                rng.choice(REFERRERS),
                rng.choice(CAMPAIGNS),
                rng.random() < 0.05,
            )
        )
    return out


DEMO_USERNAME = "demo"
DEMO_EMAIL = "creator@example.com"
DEMO_PASSWORD = "seven purple kites at noon"


async def ensure_profiles(app, runtime, want: int) -> list[tuple[str, str, list[str]]]:
    """(profile id, owner id, link ids) of the demo account's public profiles,
    made over the API (account, profiles, links) as far as they are missing."""
    import httpx

    db = runtime.database
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
        made = await c.post(
            "/api/auth/register",
            json={"email": DEMO_EMAIL, "username": DEMO_USERNAME, "password": DEMO_PASSWORD},
        )
        if made.status_code != 201:
            made = await c.post(
                "/api/auth/login", json={"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
            )
        if made.status_code != 200 and made.status_code != 201:
            raise SystemExit(
                f"the demo account {DEMO_USERNAME!r} cannot be signed in to ({made.status_code}):"
                " it belongs to someone else, and demo data goes to the demo account only"
            )
        demo_id = made.json()["user"]["id"]
        c.headers["authorization"] = f"Bearer {made.json()['access_token']}"
        have = await db.all("SELECT id FROM profiles WHERE owner_id = ? AND is_public = 1", demo_id)
        for i in range(len(have), want):
            p = await c.post(
                "/api/profiles",
                json={"slug": f"demo-{i:02d}", "display_name": f"Demo {i}", "is_public": True},
            )
            p.raise_for_status()
            for title in ("Website", "Shop", "Newsletter", "GitHub", "Podcast"):
                link = await c.post(
                    f"/api/profiles/{p.json()['id']}/links",
                    json={"title": title, "url": f"https://example.com/{title.lower()}"},
                )
                link.raise_for_status()
        print(f"demo account: {DEMO_USERNAME} / {DEMO_PASSWORD}")
    rows = await db.all(
        "SELECT id, owner_id FROM profiles WHERE owner_id = ? AND is_public = 1 ORDER BY id",
        demo_id,
    )
    out = []
    for row in rows[:want]:
        links = await db.all(
            "SELECT id FROM links WHERE profile_id = ? ORDER BY position", row["id"]
        )
        out.append((row["id"], row["owner_id"], [link["id"] for link in links]))
    return out


async def fold_demo(db, owner_id: str, start: float, now: float) -> None:
    """Fold the demo's new raw rows into rollups without touching anyone else's.

    Nothing folded yet (no watermark): no rollup exists to lose, so every hour is
    folded from its raw rows and the watermark set, as the hourly job would.
    Otherwise only the demo owner's rollups of the folded hours are replaced (the
    hours from the watermark on are read raw, and the hourly job folds them)."""
    from core.analytics import repo
    from core.analytics.reports import rollup
    from core.ports import stmt

    watermark = await repo.folded_to(db)
    first = rollup.hour_floor(start)
    until = rollup.hour_floor(now) if watermark is None else watermark
    at = first
    while at < until:
        end = min(until, rollup.day_floor(at) + 86400)
        if watermark is None:
            await db.batch(
                [*await rollup.fold_batch(db, at, end), repo.set_folded_to_statement(end)]
            )
        else:
            statements = []
            for grain, lo, hi in (
                ("hour", at, end),
                ("day", rollup.day_floor(at), min(rollup.day_floor(end - 1) + 86400, watermark)),
            ):
                rows = [r for r in await repo.fold_rows(db, grain, lo, hi) if r[0] == owner_id]
                replace = repo.replace_rollups_statements(grain, lo, hi, rows)
                statements.append(
                    stmt(
                        "DELETE FROM analytics_rollups WHERE owner_id = ? AND grain = ?"
                        " AND bucket >= ? AND bucket < ?",
                        owner_id,
                        grain,
                        lo,
                        hi,
                    )
                )
                statements.extend(replace[1:])  # its first statement deletes everyone's
            await db.batch(statements)
        at = end


async def fill(events: int, days: int, profiles: int, seed: int) -> None:
    from core.analytics.ingest import collect
    from core.app import create_app
    from core.local import LocalRuntime, load_settings

    settings = load_settings(run_cron=False)
    runtime = LocalRuntime(settings, run_scheduler=False)
    app = create_app(settings, runtime)
    await runtime.startup()
    try:
        rng = random.Random(seed)
        sites = await ensure_profiles(app, runtime, profiles)
        ports = runtime.ports()
        now = time.time()
        start = now - days * 86400
        site_weights = zipf_weights(len(sites), 1.2)
        visits = visit_facts(rng, max(1000, events // 4))
        began = time.perf_counter()
        made = 0
        while made < events:
            # A visit: a view, sometimes clicks (links by power law), sometimes a beacon.
            profile_id, owner_id, links = rng.choices(sites, site_weights)[0]
            day = rng.random() * days
            hour_shape = 0.5 + 0.5 * rng.random()  # more traffic later in the day
            at = start + int(day) * 86400 + (day % 1) ** hour_shape * 86400
            agent, client, facts, referrer, query, private = rng.choice(visits)
            visit = collect.Visit(at, client, agent, facts, referrer, query, "localhost", private)
            slug_path = "/p/demo"
            pending = [
                collect.Pending("profile_view", profile_id, owner_id, path=slug_path, query=query)
            ]
            if links and rng.random() < 0.35:
                link = rng.choices(links, zipf_weights(len(links)))[0]
                pending.append(
                    collect.Pending(
                        "link_click", profile_id, owner_id, link_id=link, path=slug_path
                    )
                )
            if rng.random() < 0.5:
                pending.append(
                    collect.Pending(
                        "page_view",
                        profile_id,
                        owner_id,
                        path=slug_path,
                        load_ms=int(rng.lognormvariate(6.5, 0.5)),
                    )
                )
                pending.append(
                    collect.Pending(
                        "custom",
                        profile_id,
                        owner_id,
                        path=slug_path,
                        x=round(rng.random(), 4),
                        y=round(rng.betavariate(2, 5), 4),
                        properties={"name": "click"},
                    )
                )
            rows = await collect.enrich(ports, visit, pending, None)
            runtime.analytics_writer.add(rows)
            made += len(pending)
            if made % 5000 < len(pending):
                await runtime.analytics_writer.flush()
        await runtime.analytics_writer.flush()
        loaded = time.perf_counter() - began
        began = time.perf_counter()
        await fold_demo(runtime.database, sites[0][1], start, now)
        folded = time.perf_counter() - began
        print(
            f"{made} events over {days} days for {len(sites)} profiles:"
            f" written in {loaded:.1f} s ({made / loaded:,.0f}/s), folded in {folded:.1f} s"
        )
    finally:
        await runtime.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--profiles", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(fill(args.events, args.days, args.profiles, args.seed))


if __name__ == "__main__":
    main()
