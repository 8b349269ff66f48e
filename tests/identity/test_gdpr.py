"""GDPR export and erasure: complete against the schema, and for every feature."""

from __future__ import annotations

from core.feature import owned_tables
from core.features import run_cron
from core.identity.gdpr import user_blob_prefix
from core.jobs.schedule import DAILY
from tests.conftest import bearer, make_client, register


async def end_grace_period(runtime, settings, clock) -> None:
    """Past the grace period of a closed account, then the daily cron."""
    clock.advance(settings.account_grace_days * 86400 + 1)
    await run_cron(DAILY, runtime.ports(), settings, scheduled_time=clock.now())


# Tables identity handles itself (or that hold no one's data).
IDENTITY_TABLES = {"users", "sessions", "audit_log"}


async def _tables(db) -> dict[str, set[str]]:
    tables = await db.all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    out = {}
    for t in tables:
        cols = await db.all("SELECT name FROM pragma_table_info(?)", t["name"])
        out[t["name"]] = {c["name"] for c in cols}
    return out


def _owned(app) -> dict:
    return {t.name: t for t in owned_tables(app.state.features)}


async def test_every_table_with_an_owner_is_covered(app, runtime) -> None:
    """The app is built from FEATURES: a table of the migrated schema with owner_id or
    user_id must be declared by one of them (or be handled by identity itself)."""
    tables = await _tables(runtime.database)
    personal = {name for name, cols in tables.items() if cols & {"owner_id", "user_id"}}
    declared = _owned(app)
    missing = personal - set(declared) - IDENTITY_TABLES
    assert not missing, f"owned tables no feature declares (Feature.owned_tables): {missing}"
    assert set(declared) <= set(tables), "a declared owned table does not exist"
    for name in declared:
        assert "owner_id" in tables[name], f"{name} has no owner_id column"
    names = [t.name for t in owned_tables(app.state.features)]
    assert len(names) == len(set(names)), "two features declare the same table"


async def test_export_holds_the_account_and_erasure_removes_it(
    app, runtime, settings, clock
) -> None:
    async with make_client(app) as client:
        tokens = await register(client, "alice")
        other = await register(client, "bobby")
        blobs = runtime.ports().blobs
        mine = user_blob_prefix(tokens["user"]["id"]) + "note.txt"
        theirs = user_blob_prefix(other["user"]["id"]) + "note.txt"
        await blobs.put(mine, b"mine", content_type="text/plain")
        await blobs.put(theirs, b"theirs", content_type="text/plain")

        export = await client.get("/api/me/export", headers=bearer(tokens))
        assert export.status_code == 200
        data = export.json()
        assert data["user"]["email"] == "alice@example.com"
        assert "password_hash" not in export.text and "refresh_hash" not in export.text
        assert [f["key"] for f in data["files"]] == [mine]
        assert set(data["data"]) == {name for name, t in _owned(app).items() if t.export}
        assert export.headers["content-type"] == "application/json"
        assert any(e["action"] == "account.registered" for e in data["audit"])

        refused = await client.request(
            "DELETE", "/api/me", headers=bearer(tokens), json={"password": "not it at all"}
        )
        assert refused.status_code == 403
        erased = await client.request(
            "DELETE", "/api/me", headers=bearer(tokens), json={"password": "correct horse battery"}
        )
        assert erased.status_code == 204
        assert (await client.get("/api/me", headers=bearer(tokens))).status_code == 401
        await end_grace_period(runtime, settings, clock)
        login = await client.post(
            "/api/auth/login", json={"username": "alice", "password": "correct horse battery"}
        )
        assert login.status_code == 401

    db = runtime.database
    user_id = tokens["user"]["id"]
    assert await db.all("SELECT id FROM users WHERE id = ?", user_id) == []
    assert await db.all("SELECT id FROM sessions WHERE user_id = ?", user_id) == []
    for table in _owned(app):
        assert await db.all(f"SELECT id FROM {table} WHERE owner_id = ?", user_id) == []
    assert await db.all("SELECT id FROM audit_log WHERE user_id = ?", user_id) == []
    kept = await db.all("SELECT action FROM audit_log WHERE action = 'account.registered'")
    assert len(kept) == 2  # alice's entry stays, anonymised; bob's untouched
    assert await blobs.head(mine) is None
    assert await blobs.head(theirs) is not None
    assert (await db.first("SELECT count(*) AS n FROM users"))["n"] == 1


async def test_export_pages_and_erasure_chunks_cover_every_row(
    alice, runtime, settings, clock, monkeypatch
) -> None:
    from core.data import owned

    monkeypatch.setattr(owned, "EXPORT_PAGE", 2)
    monkeypatch.setattr(owned, "ERASE_CHUNK", 2)
    profile = (
        await alice.post("/api/profiles", json={"slug": "alice-page", "display_name": "Alice"})
    ).json()
    for i in range(5):
        created = await alice.post(
            f"/api/profiles/{profile['id']}/links",
            json={"title": f"Link {i}", "url": f"https://example.com/{i}"},
        )
        assert created.status_code == 201, created.text
    data = (await alice.get("/api/me/export")).json()  # one JSON document, built in pages
    assert sorted(link["title"] for link in data["data"]["links"]) == [
        f"Link {i}" for i in range(5)
    ]
    assert [p["slug"] for p in data["data"]["profiles"]] == ["alice-page"]
    erased = await alice.request("DELETE", "/api/me", json={"password": "correct horse battery"})
    assert erased.status_code == 204
    await end_grace_period(runtime, settings, clock)
    db = runtime.database
    owner = alice.tokens["user"]["id"]
    assert await db.all("SELECT id FROM links WHERE owner_id = ?", owner) == []
    assert await db.all("SELECT id FROM profiles WHERE owner_id = ?", owner) == []
