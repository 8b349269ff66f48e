"""Field-level encryption of emails (issue 15): AES-256-GCM at rest, a keyed blind
index for sign-in and uniqueness, key rotation with a bounded re-encryption job."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.adapters.cipher_cryptography import CryptographyCipher
from core.clock import iso
from core.identity.pii import Pii, PiiKeyError, PiiKeys, email_aad, pii_of
from core.identity.rekey import reencrypt
from core.ids import new_id
from core.local import load_settings
from tests.conftest import make_client, register

PASSWORD = "correct horse battery"
KEY_A = base64.urlsafe_b64encode(b"A" * 32).rstrip(b"=").decode()
KEY_B = base64.urlsafe_b64encode(b"B" * 32).rstrip(b"=").decode()


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


async def test_plain_emails_appear_nowhere_in_the_database_files(app, runtime, settings) -> None:
    async with make_client(app) as client:
        alice = await register(client, "alice")
        await register(client, "bobby")
        changed = await client.patch(
            "/api/me",
            headers={"authorization": f"Bearer {alice['access_token']}"},
            json={"email": "Alice.New@Example.com", "current_password": PASSWORD},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["email"] == "alice.new@example.com"  # shown in the clear
        login = await client.post(
            "/api/auth/login", json={"email": "alice.new@example.com", "password": PASSWORD}
        )
        assert login.status_code == 200
        # A desktop app's feedback may carry an email: it is sealed too.
        sent = await client.post(
            "/api/feedback", json={"message": "Love it", "email": "fan@example.com"}
        )
        assert sent.status_code in (200, 201), sent.text
        feedback = await runtime.database.first("SELECT id, email FROM feedbacks")
        assert feedback["email"].startswith("e1.k0.")
    rows = await runtime.database.all("SELECT email, email_index FROM users")
    assert all(r["email"].startswith("e1.k0.") and len(r["email_index"]) == 32 for r in rows)
    await runtime.shutdown()  # everything written out (the WAL checkpointed)
    files = _files(Path(settings.data_dir))
    assert any(f.name.endswith(".sqlite3") for f in files)
    for path in files:
        data = path.read_bytes()
        for plain in (
            b"alice@example.com",
            b"alice.new@example.com",
            b"bobby@example.com",
            b"fan@",
        ):
            assert plain not in data, f"{plain!r} in {path.name}"
        assert b"@example.com" not in data, path.name


async def test_sign_in_by_email_goes_through_the_blind_index(client) -> None:
    await register(client, "alice")
    for login in ("alice@example.com", "ALICE@example.com ", "alice"):
        key = "email" if "@" in login else "username"
        answer = await client.post("/api/auth/login", json={key: login, "password": PASSWORD})
        assert answer.status_code == 200, (login, answer.text)
        assert answer.json()["user"]["email"] == "alice@example.com"
    taken = await client.post(
        "/api/auth/register",
        json={"email": "Alice@Example.com", "username": "other1", "password": PASSWORD},
    )
    assert taken.status_code == 409 and taken.json()["error"]["details"]["fields"] == ["email"]


async def test_rotation_moves_every_row_to_the_new_key(app, runtime, settings, tmp_path) -> None:
    async with make_client(app) as client:
        for name in ("alice", "bobby", "carol"):
            await register(client, name)
    db = runtime.database
    # A row from before encryption: plain, no index. It signs in, and the job seals it.
    now = iso(runtime.ports().clock.now())
    legacy_id = new_id()
    await db.run(
        "INSERT INTO users (id, email, username, password_hash, created_at, updated_at)"
        " VALUES (?, 'dora@example.com', 'dora', 'x', ?, ?)",
        legacy_id,
        now,
        now,
    )
    rotated = load_settings(
        {"CREATOR_EDGE_PII_KEYS": f"k2:{KEY_B},k1:{KEY_A}"},
        data_dir=settings.data_dir,
        password_iterations=1000,
    )
    pii = pii_of(CryptographyCipher(), rotated)
    assert pii.keys.current == "k2" and set(pii.keys.keys) == {"k2", "k1", "k0"}

    import core.identity.rekey as rekey

    rekey_chunk = rekey.CHUNK
    rekey.CHUNK = 2  # bounded chunks: four rows take two of them
    try:
        first = await reencrypt(db, pii, max_chunks=1)
        assert first.rewritten == 2  # a run stops at its bound
        rest = await reencrypt(db, pii)
    finally:
        rekey.CHUNK = rekey_chunk
    assert first.rewritten + rest.rewritten == 4 and rest.lost == 0
    assert (await reencrypt(db, pii)).examined == 0  # nothing left

    # Only the new key is needed now: every row opens with it alone.
    only_new = Pii(CryptographyCipher(), PiiKeys("k2", {"k2": b"B" * 32}, pii.keys.index_key))
    rows = await db.all("SELECT id, email, email_index FROM users ORDER BY username")
    plain = [await only_new.open(r["email"], email_aad(r["id"])) for r in rows]
    assert plain == [f"{n}@example.com" for n in ("alice", "bobby", "carol", "dora")]
    assert all(r["email"].startswith("e1.k2.") for r in rows)
    assert all(r["email_index"] == pii.index(p) for r, p in zip(rows, plain, strict=True))


async def test_a_value_moved_to_another_row_does_not_open(client, runtime, settings) -> None:
    a, b = await register(client, "alice"), await register(client, "bobby")
    db = runtime.database
    row = await db.first("SELECT email FROM users WHERE id = ?", a["user"]["id"])
    pii = pii_of(CryptographyCipher(), settings)
    with pytest.raises(ValueError, match="does not open"):
        await pii.open(row["email"], email_aad(b["user"]["id"]))
    tampered = row["email"][:-2] + ("AA" if not row["email"].endswith("AA") else "BB")
    with pytest.raises(ValueError):
        await pii.open(tampered, email_aad(a["user"]["id"]))


def test_bad_key_settings_are_refused(tmp_path) -> None:
    for value in ("k1", "k1:short", "bad id!:" + KEY_A):
        with pytest.raises(PiiKeyError):
            PiiKeys.from_settings(
                load_settings({"CREATOR_EDGE_PII_KEYS": value}, data_dir=tmp_path)
            )


@given(st.text(min_size=0, max_size=300), st.text(max_size=40))
async def test_seal_and_open_round_trip(value: str, aad: str) -> None:
    pii = Pii(CryptographyCipher(), PiiKeys("k1", {"k1": b"k" * 32}, b"index"))
    sealed = await pii.seal(value, aad)
    assert sealed.startswith("e1.k1.")
    assert await pii.open(sealed, aad) == value
