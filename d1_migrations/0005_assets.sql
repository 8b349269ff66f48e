-- Migration number: 0005 	 assets: uploaded images, re-encoded and stored in R2

-- One row per upload. The stored files are derived from the content:
-- u/<owner_id>/assets/<sha256 of the stored bytes>.webp and, beside it, the
-- thumbnail <same>.thumb.webp; two uploads of one owner with the same content
-- share them. upload_status follows the upload:
--   uploading   received and past the cheap checks (size, magic bytes, pixel
--               count from the header); being decoded and re-encoded
--   processing  re-encoded; its keys recorded here before its files are written
--   ready       both files stored; served at public_url
--   failed      storage refused them; upload_error says why, nothing is left
--               stored, and expires_at says when the row may be purged
-- Sizes in bytes: original_size is the file before the browser compressed it,
-- as the client declares it (the received size when it says nothing);
-- compressed_size is what was received. file_size, file_type, width and height
-- describe the stored file (the received one until it is re-encoded);
-- source_type is the type the received bytes showed.
CREATE TABLE asset_uploads (
    id                TEXT PRIMARY KEY,
    owner_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    profile_id        TEXT REFERENCES profiles (id) ON DELETE SET NULL,
    purpose           TEXT NOT NULL CHECK (purpose IN ('avatar', 'asset')),
    file_name         TEXT NOT NULL,
    file_type         TEXT NOT NULL,
    source_type       TEXT NOT NULL,
    file_size         INTEGER NOT NULL CHECK (file_size >= 0),
    original_size     INTEGER NOT NULL CHECK (original_size >= 0),
    compressed_size   INTEGER CHECK (compressed_size >= 0),
    thumbnail_size    INTEGER CHECK (thumbnail_size >= 0),
    width             INTEGER,
    height            INTEGER,
    storage_provider  TEXT NOT NULL DEFAULT 'r2' CHECK (storage_provider IN ('s3', 'r2', 'local')),
    storage_key       TEXT,
    thumbnail_key     TEXT,
    public_url        TEXT,
    thumbnail_url     TEXT,
    upload_status     TEXT NOT NULL DEFAULT 'processing'
                      CHECK (upload_status IN ('uploading', 'processing', 'ready', 'failed')),
    upload_error      TEXT,
    uploaded_at       TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    expires_at        TEXT,
    CHECK (upload_status IN ('uploading', 'failed') OR storage_key IS NOT NULL)
);
CREATE INDEX asset_uploads_owner ON asset_uploads (owner_id, id);
CREATE INDEX asset_uploads_key ON asset_uploads (owner_id, storage_key);
CREATE INDEX asset_uploads_status ON asset_uploads (upload_status, updated_at);
