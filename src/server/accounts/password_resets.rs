//! Links that set a new password, for someone who forgot theirs: an administrator makes one
//! (`banter admin reset-link`) and hands it over. The link's token is 256 random bits, kept as
//! its SHA-256 only (like a session's), valid for [`RESET_VALID_MS`] and used once; using it
//! sets the password and ends every session of the account, on every device.

use crate::ids::UserId;
use crate::model::now_ms;
use crate::server::accounts::users::{new_secret, token_hash};
use crate::server::storage::store::{Store, StoreError};

/// How long a reset link works.
pub const RESET_VALID_MS: i64 = 24 * 60 * 60 * 1_000;
/// Where a reset link leads: the page with the new-password form, its token in the query.
pub const RESET_PATH: &str = "/reset";

/// The reset link for `token` on the server reached at `base` (its public address).
pub fn reset_link(base: &str, token: &str) -> String {
    format!("{}{RESET_PATH}?token={token}", base.trim_end_matches('/'))
}

impl Store {
    /// A new reset link's token for the account `user_id`.
    pub async fn create_reset(&self, user_id: UserId) -> Result<String, StoreError> {
        let token = new_secret();
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(now)
        .bind(now + RESET_VALID_MS)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Whether the reset link `token` would work at `now` (checked before the costly password
    /// hash, so that guessing costs the server a lookup, not a hash).
    pub async fn reset_is_live(&self, token: &str, now: i64) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.is_some())
    }

    /// Use the reset link `token` at `now`, with the new password's hash: the account whose
    /// password it set, or `None` for a token that is unknown, used or expired (nothing
    /// changes then). Every session of the account ends with it.
    pub async fn use_reset(
        &self,
        token: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<Option<UserId>, StoreError> {
        let mut tx = self.begin().await?;
        let user_id: Option<UserId> = sqlx::query_scalar(
            "UPDATE password_resets SET used_at = $1
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $3 RETURNING user_id",
        )
        .bind(now)
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user_id) = user_id else { return Ok(None) };
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        // Ordered with the events of the person's private rooms, as any sign-out is.
        Store::order_with_rooms_of(&mut tx, user_id).await?;
        tx.commit().await?;
        Ok(Some(user_id))
    }
}
