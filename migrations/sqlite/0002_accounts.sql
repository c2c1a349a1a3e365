-- Accounts and server-side sessions.
--
-- A session cookie carries a random token; only its SHA-256 is stored, so a copy of the
-- database does not let anyone sign in as anybody. Usernames are unique regardless of case.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    -- PHC string from argon2id: algorithm, parameters, salt and hash in one.
    password_hash  TEXT    NOT NULL,
    display_name   TEXT    NOT NULL,
    status         TEXT    NOT NULL DEFAULT '',
    -- Milliseconds since the Unix epoch, server clock.
    created_at     INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash  BLOB    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Messages name their author's account from now on (the display name stays beside it, as it
-- was when sent). Older messages have none.
ALTER TABLE messages ADD COLUMN author_id INTEGER REFERENCES users (id);
