//! Sign-ins sent to the identity provider and not back yet. Each is kept in the database (so
//! the provider may send the browser back to any node) under the SHA-256 of its `state`, with
//! the nonce its ID token must carry and its PKCE verifier; it is taken — deleted — by the
//! first callback that names it, so a replayed callback finds nothing, and is worthless after
//! [`FLOW_VALID_MS`]. The browser that started it holds the `state` in a cookie too
//! ([`FLOW_COOKIE`]), so a callback URL handed to someone else's browser is refused.

use sqlx::Row;

use crate::server::accounts::users::token_hash;
use crate::server::storage::store::{Store, StoreError};

/// How long a sign-in may take at the provider (typing a password, a second factor).
pub const FLOW_VALID_MS: i64 = 10 * 60 * 1_000;
/// The cookie that ties a sign-in to the browser that started it.
pub const FLOW_COOKIE: &str = "banter_sso";

/// What a sign-in's callback needs from its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignIn {
    pub nonce: String,
    pub pkce_verifier: String,
}

impl Store {
    /// Keep a sign-in just sent to the provider; those older than [`FLOW_VALID_MS`] go.
    pub async fn keep_sso_flow(
        &self,
        state: &str,
        pending: &PendingSignIn,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sso_flows WHERE created_at <= $1")
            .bind(now - FLOW_VALID_MS)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sso_flows (state_hash, nonce, pkce_verifier, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash(state))
        .bind(&pending.nonce)
        .bind(&pending.pkce_verifier)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Take the sign-in `state` names: `None` if it is unknown, already taken or too old.
    pub async fn take_sso_flow(&self, state: &str, now: i64) -> Result<Option<PendingSignIn>, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "DELETE FROM sso_flows WHERE state_hash = $1 RETURNING nonce, pkce_verifier, created_at",
        )
        .bind(token_hash(state))
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        let created_at: i64 = row.try_get("created_at")?;
        if created_at <= now - FLOW_VALID_MS {
            return Ok(None);
        }
        Ok(Some(PendingSignIn { nonce: row.try_get("nonce")?, pkce_verifier: row.try_get("pkce_verifier")? }))
    }
}
