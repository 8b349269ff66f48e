-- Migration number: 0017 	 monitoring: metrics, vitals, errors, alerts, dashboards, health

-- The seed's entities, D1-safe: JSONB is JSON text (json_valid), arrays are JSON
-- arrays, booleans are 0/1, UUIDs are our time-ordered ids. Times used in ranges
-- ("timestamp", "checked_at", windows) are epoch seconds (REAL); created and
-- updated times are ISO-8601 UTC text. owner_id is the user whose data it is
-- (a profile's owner for its visitors' vitals and errors); NULL on rows of the
-- platform itself (server timings, server exceptions, health alerts), which no
-- owner can read.

-- MonitoringMetric: custom metrics (signed-in) and the server's API_RESPONSE_TIME.
CREATE TABLE monitoring_metrics (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT,
    name        TEXT NOT NULL,
    value       REAL NOT NULL,
    unit        TEXT NOT NULL CHECK (unit IN ('ms', 'bytes', 'count', 'percentage', 'score')),
    timestamp   REAL NOT NULL,
    session_id  TEXT,
    metadata    TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
    created_at  TEXT NOT NULL
);
CREATE INDEX monitoring_metrics_name_ts ON monitoring_metrics (name, timestamp);
CREATE INDEX monitoring_metrics_owner_name_ts ON monitoring_metrics (owner_id, name, timestamp);
CREATE INDEX monitoring_metrics_ts ON monitoring_metrics (timestamp);

-- PerformanceData: one web-vitals value of one page load, rated by references.md.
CREATE TABLE performance_data (
    id            TEXT PRIMARY KEY,
    owner_id      TEXT NOT NULL,
    profile_id    TEXT,
    session_id    TEXT,
    metric_type   TEXT NOT NULL CHECK (metric_type IN ('LCP', 'INP', 'CLS', 'FCP', 'TTFB')),
    metric_value  REAL NOT NULL CHECK (metric_value >= 0),
    metric_unit   TEXT NOT NULL CHECK (metric_unit IN ('ms', 'score')),
    rating        TEXT NOT NULL CHECK (rating IN ('good', 'needs-improvement', 'poor')),
    page_url      TEXT NOT NULL,
    device_type   TEXT NOT NULL CHECK (device_type IN ('mobile', 'tablet', 'desktop', 'unknown')),
    device_info   TEXT CHECK (device_info IS NULL OR json_valid(device_info)),
    timestamp     REAL NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX performance_data_type_ts ON performance_data (metric_type, timestamp);
CREATE INDEX performance_data_owner_type_ts ON performance_data (owner_id, metric_type, timestamp);
CREATE INDEX performance_data_ts ON performance_data (timestamp);

-- Rollups of performance_data: one row per owner, grain (hour, or day: the
-- day's hours merged), bucket (epoch seconds of its start, UTC), metric, page
-- and device, with a mergeable sketch (core/monitoring/sketch.py) whose
-- percentiles are within its relative error of the exact ones. Rebuilt whole
-- per bucket, so a rollup run twice gives the same rows.
CREATE TABLE performance_rollups (
    id           TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL,
    grain        TEXT NOT NULL CHECK (grain IN ('hour', 'day')),
    bucket       INTEGER NOT NULL,
    metric_type  TEXT NOT NULL,
    page_url     TEXT NOT NULL,
    device_type  TEXT NOT NULL,
    count        INTEGER NOT NULL,
    total        REAL NOT NULL,
    sketch       TEXT NOT NULL CHECK (json_valid(sketch))
);
-- A query seeks owner, metric, grain, page and device (or '*', every one) and
-- reads its range of buckets.
CREATE UNIQUE INDEX performance_rollups_key
    ON performance_rollups (owner_id, metric_type, grain, page_url, device_type, bucket);
CREATE INDEX performance_rollups_bucket ON performance_rollups (grain, bucket);

-- ErrorLog: one row per error group (fingerprint) of a scope (an owner, or
-- 'platform'), counting up; messages and stacks are sanitised before storage.
CREATE TABLE error_logs (
    id            TEXT PRIMARY KEY,
    owner_id      TEXT,
    scope         TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    error_type    TEXT NOT NULL CHECK (error_type IN ('javascript', 'api', 'network', 'server')),
    error_name    TEXT NOT NULL,
    error_message TEXT NOT NULL,
    error_stack   TEXT,
    severity      TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    context       TEXT CHECK (context IS NULL OR json_valid(context)),
    user_agent    TEXT,
    url           TEXT,
    session_id    TEXT,
    count         INTEGER NOT NULL DEFAULT 1,
    first_seen    REAL NOT NULL,
    timestamp     REAL NOT NULL,
    resolved      INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1)),
    resolved_at   TEXT,
    created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX error_logs_group ON error_logs (scope, fingerprint);
CREATE INDEX error_logs_severity_created ON error_logs (severity, created_at);
CREATE INDEX error_logs_owner_type_ts ON error_logs (owner_id, error_type, timestamp);
CREATE INDEX error_logs_ts ON error_logs (timestamp);

-- Occurrences of each error group per five-minute bucket: pattern rules count
-- these over their window.
CREATE TABLE error_counts (
    id        TEXT PRIMARY KEY,
    error_id  TEXT NOT NULL REFERENCES error_logs (id) ON DELETE CASCADE,
    owner_id  TEXT,
    bucket    INTEGER NOT NULL,
    count     INTEGER NOT NULL
);
CREATE UNIQUE INDEX error_counts_key ON error_counts (error_id, bucket);
CREATE INDEX error_counts_owner_bucket ON error_counts (owner_id, bucket);

-- AlertRule: threshold, trend or pattern; channels a JSON array of objects.
CREATE TABLE alert_rules (
    id                    TEXT PRIMARY KEY,
    owner_id              TEXT NOT NULL,
    name                  TEXT NOT NULL,
    description           TEXT,
    condition_type        TEXT NOT NULL CHECK (condition_type IN ('threshold', 'trend', 'pattern')),
    condition_config      TEXT NOT NULL CHECK (json_valid(condition_config)),
    severity              TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    enabled               INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    notification_channels TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(notification_channels)),
    webhook_secret        TEXT NOT NULL,
    cooldown_minutes      INTEGER NOT NULL DEFAULT 30,
    last_triggered        REAL,
    created_by            TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX alert_rules_enabled ON alert_rules (enabled, id);
CREATE INDEX alert_rules_owner ON alert_rules (owner_id);

-- AlertInstance: source is the rule's id, or 'health:<service>' for the
-- built-in health alerts (owner_id NULL). At most one open (active or
-- acknowledged) instance per source.
CREATE TABLE alert_instances (
    id              TEXT PRIMARY KEY,
    owner_id        TEXT,
    alert_rule_id   TEXT REFERENCES alert_rules (id) ON DELETE SET NULL,
    source          TEXT NOT NULL,
    title           TEXT NOT NULL,
    message         TEXT NOT NULL,
    severity        TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    status          TEXT NOT NULL CHECK (status IN ('active', 'acknowledged', 'resolved')),
    triggered_data  TEXT CHECK (triggered_data IS NULL OR json_valid(triggered_data)),
    acknowledged_by TEXT,
    acknowledged_at TEXT,
    resolved_by     TEXT,
    resolved_at     TEXT,
    created_at      TEXT NOT NULL,
    opened_at       REAL NOT NULL
);
CREATE UNIQUE INDEX alert_instances_open ON alert_instances (source) WHERE status != 'resolved';
CREATE INDEX alert_instances_owner_status ON alert_instances (owner_id, status);
CREATE INDEX alert_instances_opened ON alert_instances (opened_at);

-- Each notification of an alert on one channel: webhooks are retried from here
-- by the next runs until delivered or out of attempts.
CREATE TABLE alert_deliveries (
    id            TEXT PRIMARY KEY,
    owner_id      TEXT,
    alert_id      TEXT NOT NULL REFERENCES alert_instances (id) ON DELETE CASCADE,
    channel       TEXT NOT NULL CHECK (json_valid(channel)),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    next_attempt  REAL,
    created_at    TEXT NOT NULL,
    delivered_at  TEXT
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (status, next_attempt);
CREATE INDEX alert_deliveries_owner ON alert_deliveries (owner_id);

-- The email channel's outbox: a later adapter drains it.
CREATE TABLE email_outbox (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT,
    alert_id    TEXT,
    to_address  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    created_at  TEXT NOT NULL,
    sent_at     TEXT
);
CREATE INDEX email_outbox_status ON email_outbox (status, created_at);
CREATE INDEX email_outbox_owner ON email_outbox (owner_id);

-- Dashboard: a saved layout and its widgets.
CREATE TABLE dashboards (
    id             TEXT PRIMARY KEY,
    owner_id       TEXT NOT NULL,
    name           TEXT NOT NULL,
    description    TEXT,
    layout_config  TEXT NOT NULL CHECK (json_valid(layout_config)),
    widget_configs TEXT NOT NULL CHECK (json_valid(widget_configs)),
    is_public      INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0, 1)),
    is_default     INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX dashboards_owner ON dashboards (owner_id);

-- SystemHealth: one row per dependency per scheduled check.
CREATE TABLE system_health (
    id               TEXT PRIMARY KEY,
    service_name     TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('healthy', 'degraded', 'down')),
    response_time_ms INTEGER,
    error_rate       REAL,
    last_error       TEXT,
    metadata         TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
    checked_at       REAL NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX system_health_service_checked ON system_health (service_name, checked_at);
CREATE INDEX system_health_checked ON system_health (checked_at);
