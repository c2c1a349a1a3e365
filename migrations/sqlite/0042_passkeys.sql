-- Passkeys (WebAuthn, `server::accounts::passkeys`). `passkeys`: a person's registered
-- credentials, found at sign-in by their credential id (hex) alone; `user_handle` is the
-- random id the authenticator keeps for the account (the same for all of one person's
-- passkeys), `passkey` the credential as webauthn-rs keeps it (JSON: public key, counter).
-- `passkey_ceremonies`: a registration or sign-in begun and not finished, keyed by the SHA-256
-- of the token in the browser's cookie; taken by the first finish that names it, dropped after
-- five minutes.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    credential_id TEXT    NOT NULL UNIQUE,
    user_handle   TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    passkey       TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX passkeys_by_user ON passkeys (user_id);

CREATE TABLE passkey_ceremonies (
    token_hash BLOB    PRIMARY KEY,
    user_id    INTEGER REFERENCES users (id),
    ceremony   TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX passkey_ceremonies_by_age ON passkey_ceremonies (created_at);
