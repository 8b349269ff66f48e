-- Migration number: 0021 	 accounts and trust (issue 15): soft deletion, encrypted emails, a chained audit

-- Soft deletion. ``deleted_at`` (0002) marks an account deactivated; ``erase_after``
-- is when a self-deactivated account's grace period ends and the daily cron erases
-- it (NULL for an admin's deactivation, which lasts until an admin lifts it).
ALTER TABLE users ADD COLUMN erase_after TEXT;
CREATE INDEX users_erase_after ON users (erase_after) WHERE erase_after IS NOT NULL;

-- Field-level encryption. ``email`` now holds AES-256-GCM ciphertext
-- (``e1.<key id>.<nonce+ciphertext+tag, base64url>``); ``email_index`` is the
-- keyed blind index (HMAC-SHA256 of the normalised address) that lookups and
-- uniqueness go through. Rows written before this migration are encrypted and
-- indexed by the re-encryption job (``python -m core pii reencrypt`` and cron).
ALTER TABLE users ADD COLUMN email_index TEXT;
CREATE UNIQUE INDEX users_email_index ON users (email_index);

-- The audit chain. Entries are sealed in order after they are written: ``seq``
-- is the entry's place in the chain, ``entry_hash`` an HMAC over the previous
-- entry's hash and this entry's fields, ``subject_mac`` an HMAC over who acted
-- (user, IP hash, user agent), so erasure may blank those and the chain holds.
ALTER TABLE audit_log ADD COLUMN seq INTEGER;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN entry_hash TEXT;
ALTER TABLE audit_log ADD COLUMN subject_mac TEXT;
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);
CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE seq IS NULL;

-- Where a retention purge cut the chain: the last purged entry's place and hash,
-- signed (HMAC) so the kept chain verifies from here and a forged cut does not.
CREATE TABLE audit_checkpoints (
    seq         INTEGER PRIMARY KEY,
    entry_hash  TEXT NOT NULL,
    signature   TEXT NOT NULL,
    purged      INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);
