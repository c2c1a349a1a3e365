-- What a person needs to recognise their sessions on the profile page: the browser that
-- started each one, and when it was last used (updated at most once a minute).
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen_at = created_at;
