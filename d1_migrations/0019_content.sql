-- Migration number: 0019 	 content: posts, tags, word search, embeddings

-- A post. ``seq`` is the row's integer key, only so the full-text index below can
-- point at it (an FTS5 external-content table needs a stable rowid; an implicit
-- one may change on VACUUM); the API's id is ``id``.
-- Status machine (core/content/workflow.py): draft -> published, draft -> scheduled,
-- scheduled -> published (the cron), published -> archived, any -> pending_review
-- (flagged by moderation or held by an admin); an admin's approval returns a held
-- post to draft, a rejection archives it.
-- ``version`` goes up with every change (optimistic locking: UPDATE ... WHERE id = ?
-- AND version = ?). ``first_published_at`` is set once, by the one publish that won.
CREATE TABLE content (
    seq                 INTEGER PRIMARY KEY,
    id                  TEXT NOT NULL UNIQUE,
    owner_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title               TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body                TEXT NOT NULL CHECK (length(body) BETWEEN 10 AND 50000),
    type                TEXT NOT NULL CHECK (type IN ('blog_post', 'social_post', 'video_script')),
    visibility          TEXT NOT NULL DEFAULT 'private'
                        CHECK (visibility IN ('public', 'private', 'unlisted')),
    status              TEXT NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'scheduled', 'published', 'archived', 'pending_review')),
    scheduled_at        REAL,
    published_at        TEXT,
    first_published_at  TEXT,
    ai_generated        INTEGER NOT NULL DEFAULT 0 CHECK (ai_generated IN (0, 1)),
    ai_model            TEXT,
    ai_prompt           TEXT,
    -- The last moderation result: {"flagged", "reasons", "checker", "checked_at"}, and
    -- an admin's decision {"decision", "by", "version"} once reviewed.
    moderation          TEXT CHECK (moderation IS NULL OR json_valid(moderation)),
    seo_title           TEXT,
    seo_description     TEXT,
    slug                TEXT NOT NULL UNIQUE CHECK (slug = lower(slug) AND length(slug) BETWEEN 1 AND 120),
    metadata            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    views               INTEGER NOT NULL DEFAULT 0,
    likes               INTEGER NOT NULL DEFAULT 0,
    shares              INTEGER NOT NULL DEFAULT 0,
    comments            INTEGER NOT NULL DEFAULT 0,
    version             INTEGER NOT NULL DEFAULT 1,
    -- A fresh token written by each guarded UPDATE: the other statements of its batch
    -- apply only where they find it, so a batch whose UPDATE lost changes nothing.
    write_token         TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    deleted_at          TEXT
);
CREATE INDEX content_owner ON content (owner_id, id);
CREATE INDEX content_due ON content (status, scheduled_at) WHERE status = 'scheduled';
CREATE INDEX content_review ON content (status, id) WHERE status = 'pending_review';

-- Word search over title and body (bm25, phrases, prefixes, snippets), kept in step
-- with ``content`` by the triggers below: an external-content index, no second copy.
CREATE VIRTUAL TABLE content_fts USING fts5 (
    title, body, content = 'content', content_rowid = 'seq', tokenize = 'porter unicode61'
);
-- (Each trigger's inner statements end with "; " on the line of the next, so a
-- runner that splits the file at a semicolon before a newline keeps them whole.)
CREATE TRIGGER content_fts_insert AFTER INSERT ON content BEGIN
    INSERT INTO content_fts (rowid, title, body) VALUES (new.seq, new.title, new.body); END;
CREATE TRIGGER content_fts_delete AFTER DELETE ON content BEGIN
    INSERT INTO content_fts (content_fts, rowid, title, body)
    VALUES ('delete', old.seq, old.title, old.body); END;
CREATE TRIGGER content_fts_update AFTER UPDATE OF title, body ON content BEGIN
    INSERT INTO content_fts (content_fts, rowid, title, body)
    VALUES ('delete', old.seq, old.title, old.body); INSERT INTO content_fts (rowid, title, body)
    VALUES (new.seq, new.title, new.body); END;

-- Tags are shared by everyone (a name and its slug); ``usage_count`` is the number of
-- posts carrying the tag, changed in the same batch as the link.
CREATE TABLE tags (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    slug         TEXT NOT NULL UNIQUE CHECK (slug = lower(slug) AND length(slug) BETWEEN 1 AND 50),
    usage_count  INTEGER NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
    created_at   TEXT NOT NULL
);

-- A post's tags. ``created_at`` (epoch seconds) dates the use, for trending.
CREATE TABLE content_tags (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL,
    content_id  TEXT NOT NULL REFERENCES content (id) ON DELETE CASCADE,
    tag_id      TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at  REAL NOT NULL,
    UNIQUE (content_id, tag_id)
);
CREATE INDEX content_tags_owner ON content_tags (owner_id, id);
CREATE INDEX content_tags_recent ON content_tags (created_at, tag_id);
CREATE INDEX content_tags_tag ON content_tags (tag_id);

-- What was embedded for a post, by which model, and (locally) the vector itself:
-- at the edge the vectors live in Vectorize and ``vector`` stays NULL. ``vector``
-- is base64 of little-endian float32, so an export stays JSON.
-- ``public`` and ``owner_id`` are the filter a query applies (a caller sees their own
-- posts and, where the route says so, published public ones).
CREATE TABLE content_embeddings (
    id          TEXT PRIMARY KEY,  -- the post's id
    owner_id    TEXT NOT NULL,
    model       TEXT NOT NULL,
    text_hash   TEXT NOT NULL,
    public      INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
    vector      TEXT,
    updated_at  TEXT NOT NULL
);
CREATE INDEX content_embeddings_owner ON content_embeddings (owner_id, id);

-- The moderation rule set an admin reads and configures: one row, JSON.
CREATE TABLE moderation_rules (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    rules       TEXT NOT NULL CHECK (json_valid(rules)),
    updated_by  TEXT,
    updated_at  TEXT NOT NULL
);
