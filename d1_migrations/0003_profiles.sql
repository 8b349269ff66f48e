-- Migration number: 0003 	 profiles and their links

-- A public link-in-bio page. The slug is its address (/p/<slug>), unique and
-- lower-case. ``version`` is its revision: it goes up with every change to the
-- profile or its links, in the same batch.
-- avatar_asset_id names an asset of the same owner (checked by the service; no
-- foreign key, the assets table comes in a later migration).
CREATE TABLE profiles (
    id               TEXT PRIMARY KEY,
    owner_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    slug             TEXT NOT NULL UNIQUE CHECK (slug = lower(slug) AND length(slug) BETWEEN 3 AND 30),
    display_name     TEXT NOT NULL,
    bio              TEXT,
    avatar_asset_id  TEXT,
    is_public        INTEGER NOT NULL DEFAULT 1 CHECK (is_public IN (0, 1)),
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX profiles_owner ON profiles (owner_id, id);

-- A profile's links, in ``position`` order (ties broken by id). Hidden links
-- (is_active 0) stay in the editor but not on the public page.
CREATE TABLE links (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL,
    profile_id  TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    url         TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
    position    INTEGER NOT NULL CHECK (position >= 0),
    is_active   INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX links_profile ON links (profile_id, position, id);
CREATE INDEX links_owner ON links (owner_id, id);
