-- A second factor for password sign-in (TOTP, RFC 6238). `totp_secrets`: one per account, the
-- base32 secret (the server must read it to check codes), `confirmed_at` NULL while being set
-- up, `last_step` the last time step accepted (a code works once), `fresh_codes` the recovery
-- codes' plain text until the security page has shown them once.
CREATE TABLE totp_secrets (
    user_id      BIGINT  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT    NOT NULL,
    confirmed_at BIGINT,
    last_step    BIGINT  NOT NULL DEFAULT 0,
    fresh_codes  TEXT,
    created_at   BIGINT  NOT NULL
);

-- One-use recovery codes, as SHA-256 hashes.
CREATE TABLE recovery_codes (
    code_hash BYTEA   PRIMARY KEY,
    user_id   BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    used_at   BIGINT 
);
CREATE INDEX recovery_codes_by_user ON recovery_codes (user_id);

-- Sign-ins whose password was right, waiting for their second factor (five minutes).
CREATE TABLE pending_sign_ins (
    token_hash BYTEA   PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL
);
CREATE INDEX pending_sign_ins_by_age ON pending_sign_ins (created_at);
