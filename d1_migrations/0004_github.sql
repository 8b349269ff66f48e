-- Migration number: 0004 	 github: sync jobs that keep GitHub project links fresh

-- One job per GitHub link (https://github.com/{owner}/{repo}): when it last
-- synced, when it is due, how it went, and the repository's metadata as last
-- seen. Times computed on (next_sync_at, lease_until, last_sync_at, gone_at)
-- are epoch seconds; a claimed job's next_sync_at is its lease's end, so a
-- job whose runner died is simply due again.
CREATE TABLE github_sync_jobs (
    id                   TEXT PRIMARY KEY,
    owner_id             TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    link_id              TEXT NOT NULL UNIQUE REFERENCES links (id) ON DELETE CASCADE,
    repo_owner           TEXT NOT NULL,
    repo_name            TEXT NOT NULL,
    status               TEXT NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'in_progress', 'success', 'failed', 'gone')),
    sync_interval_hours  INTEGER NOT NULL DEFAULT 24 CHECK (sync_interval_hours BETWEEN 1 AND 168),
    last_sync_at         REAL,
    next_sync_at         REAL NOT NULL,
    error_count          INTEGER NOT NULL DEFAULT 0 CHECK (error_count >= 0),
    last_error           TEXT,
    etag                 TEXT,
    lease_until          REAL,
    lease_holder         TEXT,
    gone_at              REAL,
    stars                INTEGER,
    forks                INTEGER,
    language             TEXT,
    description          TEXT,
    topics               TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(topics)),
    pushed_at            TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX github_sync_jobs_due ON github_sync_jobs (next_sync_at);
CREATE INDEX github_sync_jobs_owner ON github_sync_jobs (owner_id);
