//! Sign-ins waiting for their second factor. A correct password whose account has a second
//! factor (or must set one up, `--require-2fa`) starts no session: it gets a pending sign-in,
//! a random token in an HttpOnly cookie ([`PENDING_COOKIE`], kept as its SHA-256 like a
//! session's), good for [`PENDING_VALID_MS`] and only for the step that follows — a code, or
//! setting a factor up. The session starts when that step succeeds, and the pending sign-in
//! ends with it.

use crate::ids::UserId;
use crate::server::accounts::session_cookie;
use crate::server::accounts::users::{new_secret, token_hash};
use crate::server::storage::store::{Store, StoreError};

/// How long a pending sign-in waits for its code.
pub const PENDING_VALID_MS: i64 = 5 * 60 * 1_000;
/// The cookie holding a pending sign-in's token.
pub const PENDING_COOKIE: &str = "banter_2fa";

/// `Set-Cookie` for a pending sign-in (empty `token`, `max_age_seconds` 0: its removal).
pub fn pending_cookie(token: &str, max_age_seconds: u64, secure: bool) -> String {
    session_cookie::lax(PENDING_COOKIE, token, "/", max_age_seconds, secure)
}

/// The pending sign-in's token from a request's cookies.
pub fn pending_token(headers: &axum::http::HeaderMap) -> Option<String> {
    session_cookie::named(headers, PENDING_COOKIE).map(str::to_owned)
}

impl Store {
    /// A pending sign-in for `user_id`: its token. Those past [`PENDING_VALID_MS`] go.
    pub async fn begin_pending_sign_in(&self, user_id: UserId, now: i64) -> Result<String, StoreError> {
        let token = new_secret();
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM pending_sign_ins WHERE created_at <= $1")
            .bind(now - PENDING_VALID_MS)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO pending_sign_ins (token_hash, user_id, created_at) VALUES ($1, $2, $3)")
            .bind(token_hash(&token))
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The account of the live pending sign-in `token`, if any (a deactivated one has none).
    pub async fn pending_sign_in(&self, token: &str, now: i64) -> Result<Option<UserId>, StoreError> {
        let user: Option<UserId> = sqlx::query_scalar(
            "SELECT p.user_id FROM pending_sign_ins p JOIN users u ON u.id = p.user_id
             WHERE p.token_hash = $1 AND p.created_at > $2 AND u.deactivated_at IS NULL",
        )
        .bind(token_hash(token))
        .bind(now - PENDING_VALID_MS)
        .fetch_optional(self.pool())
        .await?;
        Ok(user)
    }

    /// End the pending sign-in `token` (its step succeeded).
    pub async fn end_pending_sign_in(&self, token: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM pending_sign_ins WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
