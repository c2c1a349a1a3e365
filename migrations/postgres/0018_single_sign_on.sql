-- Single sign-on (OpenID Connect). `sso_identities`: which account an identity provider's
-- subject is, found by (issuer, subject) only, never by a name or an email address.
-- `sso_flows`: sign-ins sent to the provider and not back yet, keyed by the SHA-256 of their
-- `state`, each with its nonce and PKCE verifier; used once, dropped after ten minutes.
CREATE TABLE sso_identities (
    issuer     TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX sso_identities_by_user ON sso_identities (user_id);

CREATE TABLE sso_flows (
    state_hash    BYTEA   PRIMARY KEY,
    nonce         TEXT    NOT NULL,
    pkce_verifier TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX sso_flows_by_age ON sso_flows (created_at);
