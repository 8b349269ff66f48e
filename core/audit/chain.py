"""The audit log as a tamper-evident chain.

Entries are written as before (one INSERT, often inside the batch of the change it
describes) and sealed in order afterwards, by the five-minute cron and before every
check: each sealed entry gets its place (``seq``), the previous entry's hash and its
own, an HMAC-SHA256 under a key derived from the secret key over the previous hash
and the entry's fields. Who acted (user, IP hash, user agent) enters the hash through
``subject_mac``, its own HMAC, so erasure may blank those three and the chain still
holds, while changing any of them to something else breaks it.

Sealing after the write keeps the request path free of a global lock (D1 has no
transactions to hold one): two sealers racing compute the same hashes, and a
unique ``seq`` lets only one batch stand. An entry can be altered unnoticed only in
the minutes before it is sealed. Retention cuts the chain's head behind a signed
checkpoint, from which ``verify`` starts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from core.clock import iso
from core.ports import Database, IntegrityError, Row, stmt
from core.settings import Settings

GENESIS = "0" * 64
SEAL_CHUNK = 200
SEAL_MAX_CHUNKS = 50
VERIFY_PAGE = 1000
PURGE_CHUNK = 1000
PURGE_MAX_CHUNKS = 20
_HASHED = ("id", "action", "resource", "status", "details", "request_id", "created_at")


def chain_key(settings: Settings) -> bytes:
    assert settings.secret_key is not None, "the audit chain needs the secret key"
    secret = settings.secret_key.get_secret_value().encode()
    return hmac.new(secret, b"audit-chain", hashlib.sha256).digest()


def _mac(key: bytes, value: Any) -> str:
    data = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def subject_mac(key: bytes, row: Row) -> str:
    return _mac(key, ["subject", row["user_id"], row["ip_hash"], row["user_agent"]])


def entry_hash(key: bytes, seq: int, prev: str, row: Row, subject: str) -> str:
    return _mac(key, ["entry", seq, prev, *(row[f] for f in _HASHED), subject])


def checkpoint_signature(key: bytes, seq: int, hashed: str) -> str:
    return _mac(key, ["checkpoint", seq, hashed])


async def _head(db: Database) -> tuple[int, str]:
    """The last sealed place and hash: of the newest entry, or of the last cut."""
    last = await db.first(
        "SELECT seq, entry_hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
    )
    if last is not None:
        return int(last["seq"]), str(last["entry_hash"])
    cut = await db.first("SELECT seq, entry_hash FROM audit_checkpoints ORDER BY seq DESC LIMIT 1")
    return (int(cut["seq"]), str(cut["entry_hash"])) if cut else (0, GENESIS)


async def seal(db: Database, key: bytes) -> int:
    """Chain the entries not yet sealed, oldest first; returns how many were sealed."""
    sealed = 0
    for _ in range(SEAL_MAX_CHUNKS):
        seq, prev = await _head(db)
        rows = await db.all(
            "SELECT * FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT ?", SEAL_CHUNK
        )
        if not rows:
            break
        statements = []
        for row in rows:
            seq += 1
            subject = subject_mac(key, row)
            hashed = entry_hash(key, seq, prev, row, subject)
            statements.append(
                stmt(
                    "UPDATE audit_log SET seq = ?, prev_hash = ?, entry_hash = ?, subject_mac = ?"
                    " WHERE id = ? AND seq IS NULL",
                    seq,
                    prev,
                    hashed,
                    subject,
                    row["id"],
                )
            )
            prev = hashed
        try:
            results = await db.batch(statements)
        except IntegrityError:  # another sealer took these places first: it chains them
            break
        done = sum(r.changes for r in results)
        sealed += done
        if done < len(statements) or len(rows) < SEAL_CHUNK:
            break
    return sealed


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    checked: int
    unsealed: int
    broken_id: str | None = None
    broken_seq: int | None = None
    reason: str | None = None


async def verify(db: Database, key: bytes) -> Verification:
    """Walk the chain from the last signed cut; the first entry that does not hold
    is named (altered fields, a wrong previous hash, a missing place)."""
    cut = await db.first("SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1")
    unsealed_row = await db.first("SELECT count(*) AS n FROM audit_log WHERE seq IS NULL")
    unsealed = int(unsealed_row["n"]) if unsealed_row else 0
    expected, prev = 1, GENESIS
    if cut is not None:
        if not hmac.compare_digest(
            str(cut["signature"]), checkpoint_signature(key, int(cut["seq"]), cut["entry_hash"])
        ):
            return Verification(False, 0, unsealed, None, int(cut["seq"]), "checkpoint forged")
        expected, prev = int(cut["seq"]) + 1, str(cut["entry_hash"])
    checked = 0
    after = expected - 1
    while True:
        rows = await db.all(
            "SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", after, VERIFY_PAGE
        )
        for row in rows:
            seq = int(row["seq"])
            reason = _fault(key, row, expected, prev)
            if reason is not None:
                return Verification(False, checked, unsealed, row["id"], seq, reason)
            prev, expected, checked = str(row["entry_hash"]), seq + 1, checked + 1
        if len(rows) < VERIFY_PAGE:
            break
        after = int(rows[-1]["seq"])
    return Verification(True, checked, unsealed)


def _fault(key: bytes, row: Row, expected: int, prev: str) -> str | None:
    """Why ``row`` does not hold as the chain's entry number ``expected``, if it does not."""
    seq = int(row["seq"])
    if seq != expected:
        return f"entries {expected} to {seq - 1} are missing before it"
    if row["prev_hash"] != prev:
        return "its previous hash is not the previous entry's"
    blank = row["user_id"] is None and row["ip_hash"] is None and row["user_agent"] is None
    if not blank and row["subject_mac"] != subject_mac(key, row):
        return "who acted was changed"
    if not hmac.compare_digest(
        str(row["entry_hash"]), entry_hash(key, seq, prev, row, str(row["subject_mac"]))
    ):
        return "its fields were changed"
    return None


async def purge(db: Database, key: bytes, before: str, now: float) -> int:
    """Delete sealed entries created before ``before`` (a prefix of the chain), in
    bounded chunks, each with the signed checkpoint of where it cut."""
    purged = 0
    for _ in range(PURGE_MAX_CHUNKS):
        first = await db.first("SELECT min(seq) AS lo FROM audit_log WHERE seq IS NOT NULL")
        newer = await db.first(
            "SELECT min(seq) AS hi FROM audit_log WHERE seq IS NOT NULL AND created_at >= ?",
            before,
        )
        if first is None or first["lo"] is None:
            break
        lo = int(first["lo"])
        limit = int(newer["hi"]) - 1 if newer and newer["hi"] is not None else None
        if limit is None:
            last = await db.first("SELECT max(seq) AS n FROM audit_log WHERE seq IS NOT NULL")
            limit = int(last["n"]) if last and last["n"] is not None else lo - 1
        cut = min(limit, lo + PURGE_CHUNK - 1)
        if cut < lo:
            break
        row = await db.first("SELECT entry_hash FROM audit_log WHERE seq = ?", cut)
        if row is None:
            break
        results = await db.batch(
            [
                stmt(
                    "INSERT OR IGNORE INTO audit_checkpoints"
                    " (seq, entry_hash, signature, purged, created_at) VALUES (?, ?, ?, ?, ?)",
                    cut,
                    row["entry_hash"],
                    checkpoint_signature(key, cut, row["entry_hash"]),
                    cut - lo + 1,
                    iso(now),
                ),
                stmt("DELETE FROM audit_log WHERE seq IS NOT NULL AND seq <= ?", cut),
            ]
        )
        purged += results[1].changes
        if cut >= limit:
            break
    return purged
