-- The refresh grace window (issue 16): the hash of the refresh token a session's
-- last rotation replaced, and when. A parallel refresh with that token within a
-- few seconds gets the same new token (derived from it, never stored) instead of
-- ending the session as a reuse would.
ALTER TABLE sessions ADD COLUMN previous_hash TEXT;
ALTER TABLE sessions ADD COLUMN rotated_at REAL;
