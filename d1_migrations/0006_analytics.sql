-- Migration number: 0006 	 analytics: raw events, hourly and daily rollups, the fold watermark

-- One row per event. Times are epoch milliseconds (INTEGER): ranges, buckets and
-- purges are integer comparisons. The id is the rowid (not a ULID): compact,
-- ordered by insertion, and the keyset of the export. The visitor is a keyed
-- hash of (daily salt, profile, address hash, user agent); no address and no
-- user-agent string is ever stored. owner_id is the profile's owner.
CREATE TABLE analytics_events (
    id             INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    type           TEXT NOT NULL CHECK (type IN (
                       'profile_view', 'link_click', 'asset_upload', 'security_event',
                       'page_view', 'custom', 'share', 'conversion')),
    owner_id       TEXT NOT NULL,
    profile_id     TEXT,
    link_id        TEXT,
    content_id     TEXT,
    visitor        TEXT,
    country        TEXT,
    region         TEXT,
    city           TEXT,
    device         TEXT,
    browser        TEXT,
    os             TEXT,
    timezone       TEXT,
    tz_offset      INTEGER,
    referrer_host  TEXT,
    referrer_url   TEXT,
    utm_source     TEXT,
    utm_medium     TEXT,
    utm_campaign   TEXT,
    load_ms        INTEGER,
    response_bytes INTEGER,
    x              REAL CHECK (x IS NULL OR (x >= 0 AND x <= 1)),
    y              REAL CHECK (y IS NULL OR (y >= 0 AND y <= 1)),
    selector       TEXT,
    path           TEXT,
    properties     TEXT CHECK (properties IS NULL OR json_valid(properties))
);
-- A profile's range (open hour, heatmap, export keyset: the rowid is the tail).
CREATE INDEX analytics_events_profile_ts ON analytics_events (profile_id, ts);
-- Every profile's hour (the fold) and the retention purge.
CREATE INDEX analytics_events_ts ON analytics_events (ts);
-- GDPR export and erasure.
CREATE INDEX analytics_events_owner ON analytics_events (owner_id);

-- Events folded per profile, grain (hour or day), bucket (epoch seconds of the
-- bucket's start, UTC), type and dimension. dim 'total' has value ''; the other
-- dims ('link', 'country', 'city', 'device', 'browser', 'os', 'referrer',
-- 'utm_source') hold the value, '' when unknown. type '*' with dim 'total' counts
-- the bucket's distinct visitors over every type. uniques are distinct visitor
-- hashes within the bucket: daily rows are folded from raw rows, never summed
-- from hours. Rebuilt whole per bucket, so a fold run twice gives the same rows.
CREATE TABLE analytics_rollups (
    id          INTEGER PRIMARY KEY,
    owner_id    TEXT NOT NULL,
    profile_id  TEXT NOT NULL,
    grain       TEXT NOT NULL CHECK (grain IN ('hour', 'day')),
    bucket      INTEGER NOT NULL,
    type        TEXT NOT NULL,
    dim         TEXT NOT NULL,
    value       TEXT NOT NULL,
    events      INTEGER NOT NULL,
    uniques     INTEGER NOT NULL,
    -- Every read names the profile, grain, dimension and type, then a bucket range.
    UNIQUE (profile_id, grain, dim, type, bucket, value)
);
CREATE INDEX analytics_rollups_bucket ON analytics_rollups (grain, bucket);
CREATE INDEX analytics_rollups_owner ON analytics_rollups (owner_id);

-- How far the hourly fold has gone: every hour before folded_to (epoch seconds)
-- is in the rollups; queries read raw rows from there on.
CREATE TABLE analytics_fold_state (
    name       TEXT PRIMARY KEY,
    folded_to  INTEGER NOT NULL
);
