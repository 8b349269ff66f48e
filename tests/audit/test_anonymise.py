"""Erasure forgets who acted in a user's audit entries in bounded statements: a user
of years has thousands, and one UPDATE of them all would hold the write lock."""

from __future__ import annotations

from core.audit import AuditLog, chain
from core.audit import service as audit_service
from core.features import run_cron
from core.jobs.schedule import DAILY
from tests.conftest import bearer, make_client, register

PASSWORD = "correct horse battery"


async def test_anonymising_goes_in_chunks_and_leaves_no_entry_named(runtime, clock) -> None:
    db = runtime.database
    log = AuditLog(db, clock)
    for n in range(23):
        await log.record("profile.updated", user_id="u1", ip_hash=f"h{n}", user_agent="ua")
    await log.record("profile.updated", user_id="u2", ip_hash="h", user_agent="ua")
    done = await log.anonymise_in_chunks("u1", chunk=5)
    assert done == 23
    left = await db.all("SELECT user_id, ip_hash, user_agent FROM audit_log ORDER BY id")
    assert [r["user_id"] for r in left].count(None) == 23
    assert {(r["ip_hash"], r["user_agent"]) for r in left if r["user_id"] is None} == {(None, None)}
    assert [r for r in left if r["user_id"] is not None] == [
        {"user_id": "u2", "ip_hash": "h", "user_agent": "ua"}
    ]
    for _ in range(10):  # an exact number of chunks: the last statement finds none
        await log.record("profile.updated", user_id="u3")
    assert await log.anonymise_in_chunks("u3", chunk=5) == 10
    assert await log.anonymise_in_chunks("u3", chunk=5) == 0


async def test_erasure_anonymises_many_entries_in_chunks_and_the_chain_holds(
    app, runtime, settings, clock, monkeypatch
) -> None:
    monkeypatch.setattr(audit_service, "ANONYMISE_CHUNK", 3)
    db = runtime.database
    # A spy on the real adapter: how many entries each anonymising statement changed.
    anonymised: list[int] = []
    run, batch = db.run, db.batch

    async def spy_run(sql, *params):
        result = await run(sql, *params)
        if sql.startswith("UPDATE audit_log SET user_id = NULL"):
            anonymised.append(result.changes)
        return result

    async def spy_batch(statements):
        results = await batch(statements)
        for statement, result in zip(statements, results, strict=True):
            if statement.sql.startswith("UPDATE audit_log SET user_id = NULL"):
                anonymised.append(result.changes)
        return results

    monkeypatch.setattr(db, "run", spy_run)
    monkeypatch.setattr(db, "batch", spy_batch)
    async with make_client(app) as client:
        tokens = await register(client, "alice")
        for n in range(8):
            await client.patch(
                "/api/me", headers=bearer(tokens), json={"display_name": f"Alice {n}"}
            )
        user_id = tokens["user"]["id"]
        erased = await client.request(
            "DELETE", "/api/me", headers=bearer(tokens), json={"password": PASSWORD}
        )
        assert erased.status_code == 204
        named = await db.first("SELECT count(*) AS n FROM audit_log WHERE user_id = ?", user_id)
        assert named["n"] > 3 * 2  # more than two chunks to anonymise
    clock.advance(settings.account_grace_days * 86400 + 1)  # the grace period ends
    await run_cron(DAILY, runtime.ports(), settings, scheduled_time=clock.now())
    assert await db.all("SELECT id FROM audit_log WHERE user_id = ?", user_id) == []
    assert sum(anonymised) == named["n"]
    assert max(anonymised) <= 3 and len(anonymised) > 2
    key = chain.chain_key(settings)
    await chain.seal(db, key)
    assert (await chain.verify(db, key)).ok
