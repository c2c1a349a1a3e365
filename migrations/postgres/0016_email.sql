-- Email (`server::mail`): a person's verified address and whether they want digests of what
-- they missed; the links that verify an address (kept as the SHA-256 of their token, used
-- once, valid until `expires_at`); how far digests and pushes have told each person about each
-- room, so that nothing is told twice; and the key that signs unsubscribe links.
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
ALTER TABLE users ADD COLUMN email_digests BIGINT NOT NULL DEFAULT 1;
CREATE INDEX users_by_email ON users (email);

CREATE TABLE email_verifications (
    token_hash BYTEA  PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    address    TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX email_verifications_by_user ON email_verifications (user_id, created_at);

CREATE TABLE digest_marks (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq     BIGINT NOT NULL,
    PRIMARY KEY (user_id, room_id)
);

CREATE TABLE server_keys (
    name       TEXT   PRIMARY KEY,
    secret     BYTEA  NOT NULL,
    created_at BIGINT NOT NULL
);
