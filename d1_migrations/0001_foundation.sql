-- Migration number: 0001 	 foundation: audit log, rate-limit records, cron runs and leases

-- Sensitive actions, who did them and how they ended. The actor is kept as an
-- id only; erasure of an account sets it to NULL and keeps the entry.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    user_id     TEXT,
    ip_hash     TEXT,
    user_agent  TEXT,
    action      TEXT NOT NULL,
    resource    TEXT,
    status      TEXT NOT NULL DEFAULT 'success' CHECK (status IN ('success', 'denied', 'error')),
    details     TEXT CHECK (details IS NULL OR json_valid(details)),
    request_id  TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX audit_log_user ON audit_log (user_id, created_at);
CREATE INDEX audit_log_action ON audit_log (action, created_at);
CREATE INDEX audit_log_created ON audit_log (created_at);

-- One row per limited client, policy and window: how many requests came and
-- how many were refused. The identifier is a keyed hash, never an address.
CREATE TABLE rate_limit_records (
    id             TEXT PRIMARY KEY,
    identifier     TEXT NOT NULL,
    endpoint       TEXT NOT NULL,
    window_start   TEXT NOT NULL,
    request_count  INTEGER NOT NULL,
    rejected_count INTEGER NOT NULL DEFAULT 0,
    "limit"        INTEGER NOT NULL,
    window_ms      INTEGER NOT NULL CHECK (window_ms BETWEEN 1000 AND 3600000),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (identifier, endpoint, window_start)
);
CREATE INDEX rate_limit_records_window ON rate_limit_records (window_start);

-- Every cron job run: when it started and ended and how it went.
CREATE TABLE job_runs (
    id           TEXT PRIMARY KEY,
    job          TEXT NOT NULL,
    cron         TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('running', 'success', 'failed', 'skipped')),
    error        TEXT,
    duration_ms  INTEGER
);
CREATE INDEX job_runs_job ON job_runs (job, started_at);

-- A job's lease: the same job never runs twice at once, anywhere.
CREATE TABLE job_leases (
    job         TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  REAL NOT NULL,
    acquired_at TEXT NOT NULL
);
