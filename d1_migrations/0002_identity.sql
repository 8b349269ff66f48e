-- Migration number: 0002 	 identity: users and their sessions

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    username       TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL DEFAULT 'creator' CHECK (role IN ('creator', 'influencer', 'admin')),
    display_name   TEXT,
    -- The scheme and its parameters travel with each hash so they can be raised later.
    password_hash  TEXT NOT NULL,
    metadata       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted_at     TEXT
);
CREATE INDEX users_role ON users (role);
CREATE INDEX users_created ON users (created_at);

-- One row per sign-in. The refresh token (and, for pages, the cookie) is kept
-- only as a hash; the row is the token family: reuse of a rotated token revokes it.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id       TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('api', 'page')),
    refresh_hash    TEXT NOT NULL,
    generation      INTEGER NOT NULL DEFAULT 0,
    device          TEXT,
    visitor_hash    TEXT,
    created_at      TEXT NOT NULL,
    last_active_at  TEXT NOT NULL,
    expires_at      REAL NOT NULL,
    revoked_at      TEXT,
    revoked_reason  TEXT
);
CREATE INDEX sessions_user ON sessions (user_id, created_at);
CREATE INDEX sessions_expiry ON sessions (expires_at);
