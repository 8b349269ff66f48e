-- App releases (issue 12): the desktop app's seed tables (../shared/seeds/003_*),
-- with the seed's index names. Columns are snake_case like the rest of the schema.
-- Times that ranges are computed over are epoch seconds (REAL); created_at is ISO text.
--
-- Soft references, as the seed explains: owner_id (the seed's userId) is a user's id
-- when the request was signed in, with no foreign key, so anonymous rows need no
-- account and erasing an account deletes its rows (GDPR) without a cascade.

CREATE TABLE downloads (
  id TEXT PRIMARY KEY,
  os TEXT NOT NULL CHECK (os IN ('windows', 'macos', 'linux')),
  timestamp REAL NOT NULL,
  user_agent TEXT,
  -- The analytics feature's salted visitor hash (keyed by the day's random salt),
  -- never a bare hash of the address.
  ip_hash TEXT,
  -- The version whose file the download was sent to (for version adoption).
  version TEXT
);
CREATE INDEX downloads_os_idx ON downloads (os);
CREATE INDEX downloads_timestamp_idx ON downloads (timestamp);

CREATE TABLE feedbacks (
  id TEXT PRIMARY KEY,
  owner_id TEXT,
  message TEXT NOT NULL CHECK (length(message) BETWEEN 1 AND 1000),
  email TEXT,
  timestamp REAL NOT NULL
);
CREATE INDEX feedbacks_timestamp_idx ON feedbacks (timestamp);
CREATE INDEX feedbacks_email_idx ON feedbacks (email);
CREATE INDEX feedbacks_owner_idx ON feedbacks (owner_id);

CREATE TABLE diagnostics (
  id TEXT PRIMARY KEY,
  owner_id TEXT,
  -- The blob key of a file stored here, or the path the app reported (JSON variant).
  file_path TEXT NOT NULL,
  file_size INTEGER NOT NULL CHECK (file_size BETWEEN 1 AND 5242880),
  -- 1 when file_path is a key of this product's blob store (deleted with the row).
  stored INTEGER NOT NULL DEFAULT 0,
  content_type TEXT,
  timestamp REAL NOT NULL
);
CREATE INDEX diagnostics_timestamp_idx ON diagnostics (timestamp);
CREATE INDEX diagnostics_userId_idx ON diagnostics (owner_id);

CREATE TABLE app_versions (
  id TEXT PRIMARY KEY,
  version TEXT NOT NULL,
  release_date REAL NOT NULL,
  download_url TEXT NOT NULL,
  changelog TEXT NOT NULL,
  is_latest INTEGER NOT NULL DEFAULT 0 CHECK (is_latest IN (0, 1)),
  -- 1 for a semver pre-release (1.2.0-beta.1): offered on the beta channel only.
  prerelease INTEGER NOT NULL DEFAULT 0 CHECK (prerelease IN (0, 1)),
  -- Staged rollout: the percentage of clients offered this version (stable hash of id).
  rollout INTEGER NOT NULL DEFAULT 100 CHECK (rollout BETWEEN 0 AND 100),
  -- Per-platform builds as JSON: {"darwin-aarch64": {"url", "signature", "ed_signature",
  -- "sha512", "size"}, ...}, read by the updater formats.
  platforms TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX app_versions_version_key ON app_versions (version);
CREATE INDEX app_versions_isLatest_idx ON app_versions (is_latest);
-- At most one latest version, whatever races: the database refuses a second.
CREATE UNIQUE INDEX app_versions_one_latest ON app_versions (is_latest) WHERE is_latest = 1;
