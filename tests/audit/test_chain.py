"""The tamper-evident audit (issue 15): entries chained by HMAC, ``python -m core
audit verify`` naming the first broken one, erasure and retention keeping it whole,
and before/after values with secrets and personal data masked."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

from core.audit import chain
from core.clock import iso
from core.features import run_cron
from core.jobs.schedule import DAILY, EVERY_FIVE_MINUTES
from tests.conftest import bearer, make_client, register

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


async def _activity(app) -> list[dict]:
    async with make_client(app) as client:
        users = [await register(client, name) for name in ("alice", "bobby", "carol")]
        for tokens in users:
            await client.get("/api/me/export", headers=bearer(tokens))
            await client.patch(
                "/api/me",
                headers=bearer(tokens),
                json={"display_name": "New " + tokens["user"]["username"]},
            )
    return users


def _verify_cli(settings) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CREATOR_EDGE_DATA_DIR": str(settings.data_dir)}
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "core", "audit", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_altering_one_entry_makes_audit_verify_name_it(app, runtime, settings) -> None:
    await _activity(app)
    outcomes = await run_cron(EVERY_FIVE_MINUTES, runtime.ports(), settings)
    assert {o.job: o.outcome for o in outcomes}["seal_audit"] == "success"
    db = runtime.database
    rows = await db.all("SELECT id, seq, prev_hash, entry_hash FROM audit_log ORDER BY seq")
    assert len(rows) >= 9 and [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert all(r["prev_hash"] == p["entry_hash"] for p, r in itertools.pairwise(rows))

    good = _verify_cli(settings)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["ok"] is True

    victim = rows[len(rows) // 2]
    await db.run("UPDATE audit_log SET status = 'denied' WHERE id = ?", victim["id"])
    bad = _verify_cli(settings)
    assert bad.returncode == 1
    found = json.loads(bad.stdout)
    assert (found["ok"], found["broken_id"], found["broken_seq"]) == (
        False,
        victim["id"],
        victim["seq"],
    )
    assert victim["id"] in bad.stderr and "fields were changed" in bad.stderr


async def test_each_kind_of_tampering_is_found(app, runtime, settings) -> None:
    users = await _activity(app)
    db, key = runtime.database, chain.chain_key(settings)
    await chain.seal(db, key)
    rows = await db.all("SELECT * FROM audit_log ORDER BY seq")
    assert (await chain.verify(db, key)).ok

    # Who acted, changed to someone else.
    await db.run(
        "UPDATE audit_log SET user_id = ? WHERE id = ?", users[1]["user"]["id"], rows[0]["id"]
    )
    result = await chain.verify(db, key)
    assert (result.broken_id, result.reason) == (rows[0]["id"], "who acted was changed")
    await db.run("UPDATE audit_log SET user_id = ? WHERE id = ?", rows[0]["user_id"], rows[0]["id"])
    assert (await chain.verify(db, key)).ok

    # An entry taken out: the one after it is named.
    await db.run("DELETE FROM audit_log WHERE id = ?", rows[3]["id"])
    result = await chain.verify(db, key)
    assert result.broken_id == rows[4]["id"] and "missing" in (result.reason or "")

    # A forged entry rehashed without the key does not pass either.
    await db.run("UPDATE audit_log SET entry_hash = ? WHERE id = ?", "f" * 64, rows[5]["id"])
    assert not (await chain.verify(db, key)).ok


async def test_erasure_blanks_who_acted_and_the_chain_holds(app, runtime, settings, clock) -> None:
    users = await _activity(app)
    db, key = runtime.database, chain.chain_key(settings)
    await chain.seal(db, key)
    async with make_client(app) as client:
        gone = await client.request(
            "DELETE", "/api/me", headers=bearer(users[0]), json={"password": PASSWORD}
        )
        assert gone.status_code == 204
    clock.advance(settings.account_grace_days * 86400 + 1)
    await run_cron(DAILY, runtime.ports(), settings, scheduled_time=clock.now())
    assert await db.all("SELECT id FROM audit_log WHERE user_id = ?", users[0]["user"]["id"]) == []
    assert (await chain.verify(db, key)).ok
    assert await chain.seal(db, key) >= 1  # "account.erased", written after the seal
    result = await chain.verify(db, key)
    assert result.ok and result.unsealed == 0, result


async def test_retention_purges_behind_a_signed_checkpoint(app, runtime, settings, clock) -> None:
    await _activity(app)
    db, key = runtime.database, chain.chain_key(settings)
    await chain.seal(db, key)
    old = (await db.first("SELECT count(*) AS n FROM audit_log"))["n"]
    clock.advance(settings.audit_retention_days * 86400 + 3600)
    async with make_client(app) as client:
        await register(client, "later")  # newer than the retention
    outcomes = await run_cron(DAILY, runtime.ports(), settings, scheduled_time=clock.now())
    assert {o.job: o.outcome for o in outcomes}["purge_audit"] == "success"
    left = await db.all("SELECT action, created_at FROM audit_log ORDER BY seq")
    assert left and all(r["created_at"] >= iso(clock.now() - 7200) for r in left)
    cut = await db.first("SELECT * FROM audit_checkpoints")
    assert cut["purged"] == old and cut["seq"] == old
    assert (await chain.verify(db, key)).ok

    await db.run("UPDATE audit_checkpoints SET seq = seq - 1")  # a forged cut
    result = await chain.verify(db, key)
    assert not result.ok and result.reason == "checkpoint forged"


async def test_changes_record_before_and_after_with_secrets_masked(alice, runtime) -> None:
    changed = await alice.patch(
        "/api/me",
        json={
            "display_name": "Alice B",
            "email": "alice.b@example.com",
            "password": "an even better passphrase",
            "current_password": PASSWORD,
        },
    )
    assert changed.status_code == 200, changed.text
    row = await runtime.database.first(
        "SELECT details FROM audit_log WHERE action = 'account.updated'"
    )
    details = json.loads(row["details"])
    assert details["before"]["display_name"] == "alice"
    assert details["after"]["display_name"] == "Alice B"
    assert details["before"]["email"] == details["after"]["email"] == "[masked]"
    assert details["after"]["password_hash"] == "[masked]"
    assert "example.com" not in row["details"] and "passphrase" not in row["details"]
