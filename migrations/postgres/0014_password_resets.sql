-- Links that set a new password: made by an administrator (`banter admin reset-link`), kept
-- as the SHA-256 of their token only, used once, valid until `expires_at`.
CREATE TABLE password_resets (
    token_hash BYTEA  PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);
