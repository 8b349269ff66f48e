-- Migration number: 0022 	 sign-in with GitHub, Google and X; onboarding; visitor consent (issue 15)

-- A provider account linked to a user. ``subject`` is the provider's stable id of
-- the account; its email, when the provider gives one, is kept encrypted like
-- users.email (never used to link by itself unless the provider verified it).
CREATE TABLE oauth_identities (
    id              TEXT PRIMARY KEY,
    owner_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider        TEXT NOT NULL CHECK (provider IN ('github', 'google', 'x')),
    subject         TEXT NOT NULL,
    email           TEXT,
    email_verified  INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1)),
    display_name    TEXT,
    created_at      TEXT NOT NULL,
    last_used_at    TEXT NOT NULL,
    UNIQUE (provider, subject)
);
CREATE INDEX oauth_identities_owner ON oauth_identities (owner_id, id);

-- An account made by a provider has no password until it sets one (a hash that
-- never verifies is stored), and picks its username and role at onboarding.
ALTER TABLE users ADD COLUMN onboarded INTEGER NOT NULL DEFAULT 1 CHECK (onboarded IN (0, 1));
ALTER TABLE users ADD COLUMN has_password INTEGER NOT NULL DEFAULT 1 CHECK (has_password IN (0, 1));

-- How a profile's visitors are counted: 'anonymous' (no visitor hash: no consent
-- needed, the default) or 'consent' (visitor hashes only after the visitor agrees).
ALTER TABLE profiles ADD COLUMN analytics_mode TEXT NOT NULL DEFAULT 'anonymous'
    CHECK (analytics_mode IN ('anonymous', 'consent'));
