-- Links that set a new password: made by an administrator (`banter admin reset-link`), kept
-- as the SHA-256 of their token only, used once, valid until `expires_at`.
CREATE TABLE password_resets (
    token_hash BLOB    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);
