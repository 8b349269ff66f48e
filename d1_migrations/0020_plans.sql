-- Migration number: 0020 	 plans: tiers and their limits, subscriptions with usage, payment events, feature flags

-- The tiers and their limits: configuration kept in the database, not in code.
-- Change a limit with SQL (wrangler d1 execute) and no deploy. NULL is unlimited.
-- posts and AI generations count per billing period (a month), API calls per day,
-- storage is what is held.
CREATE TABLE plans (
    tier                  TEXT PRIMARY KEY CHECK (tier IN ('free', 'pro', 'business')),
    name                  TEXT NOT NULL,
    rank                  INTEGER NOT NULL UNIQUE,
    posts_month           INTEGER CHECK (posts_month >= 0),
    ai_generations_month  INTEGER CHECK (ai_generations_month >= 0),
    storage_bytes         INTEGER CHECK (storage_bytes >= 0),
    api_calls_day         INTEGER CHECK (api_calls_day >= 0),
    updated_at            TEXT NOT NULL
);
INSERT INTO plans (tier, name, rank, posts_month, ai_generations_month, storage_bytes, api_calls_day, updated_at) VALUES
    ('free', 'Free', 0, 30, 10, 104857600, 1000, '2026-12-03T00:00:00Z'),
    ('pro', 'Pro', 1, 500, 200, 10737418240, 50000, '2026-12-03T00:00:00Z'),
    ('business', 'Business', 2, NULL, 2000, 107374182400, 500000, '2026-12-03T00:00:00Z');

-- One row per user, its id the user's (made with the first counted work, or the first look at the
-- subscription): the plan, the current billing period [period_start, period_end)
-- in epoch seconds, the day API calls count in, the usage counters, and the
-- payment provider's ids. provider_event_at is the provider's time of the last
-- event applied: an older event never moves the row back. A failed payment sets
-- grace_until; past it the daily cron moves the row to free.
-- A counter that would pass its plan's limit is set to NULL by the gate's
-- statement, which NOT NULL refuses: the work's batch fails with it.
CREATE TABLE subscriptions (
    id                        TEXT PRIMARY KEY,
    owner_id                  TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    tier                      TEXT NOT NULL DEFAULT 'free' REFERENCES plans (tier),
    status                    TEXT NOT NULL DEFAULT 'active'
                              CHECK (status IN ('active', 'trialing', 'past_due', 'canceled')),
    period_start              REAL NOT NULL,
    period_end                REAL NOT NULL,
    day_start                 REAL NOT NULL,
    posts_used                INTEGER NOT NULL DEFAULT 0 CHECK (posts_used >= 0),
    ai_generations_used       INTEGER NOT NULL DEFAULT 0 CHECK (ai_generations_used >= 0),
    storage_bytes_used        INTEGER NOT NULL DEFAULT 0 CHECK (storage_bytes_used >= 0),
    api_calls_used            INTEGER NOT NULL DEFAULT 0 CHECK (api_calls_used >= 0),
    provider_customer_id      TEXT UNIQUE,
    provider_subscription_id  TEXT UNIQUE,
    provider_event_at         REAL,
    grace_until               REAL,
    created_at                TEXT NOT NULL,
    updated_at                TEXT NOT NULL,
    CHECK (period_end > period_start)
);
CREATE INDEX subscriptions_period_end ON subscriptions (period_end);
CREATE INDEX subscriptions_day_start ON subscriptions (day_start);
CREATE INDEX subscriptions_grace ON subscriptions (grace_until) WHERE grace_until IS NOT NULL;

-- Every payment event received once, by the provider's id: a retried or replayed
-- one finds its row and changes nothing. outcome says what it did.
CREATE TABLE billing_events (
    id                        TEXT PRIMARY KEY,
    type                      TEXT NOT NULL,
    created                   REAL NOT NULL,
    provider_subscription_id  TEXT,
    outcome                   TEXT NOT NULL CHECK (outcome IN ('applied', 'stale', 'unmatched', 'ignored')),
    received_at               TEXT NOT NULL
);
CREATE INDEX billing_events_received ON billing_events (received_at);

-- Feature flags, edited by admins and published to KV as one document; the
-- request path reads KV or the isolate's copy, never this table. A user's value:
-- their override, else their plan's value, else the rollout (a stable hash of
-- the flag and the user id under rollout_percent), else the default.
CREATE TABLE feature_flags (
    key              TEXT PRIMARY KEY,
    description      TEXT NOT NULL DEFAULT '',
    default_on       INTEGER NOT NULL DEFAULT 0 CHECK (default_on IN (0, 1)),
    plan_values      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(plan_values)),
    user_overrides   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(user_overrides)),
    rollout_percent  REAL CHECK (rollout_percent >= 0 AND rollout_percent <= 100),
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
