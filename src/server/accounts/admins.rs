//! Server administrators: they moderate every room (delete any message, remove anyone,
//! promote and demote moderators). Kept in the database (`users.admin`), granted and revoked
//! with `banter admin grant-admin` / `revoke-admin` while the server runs; `--admins` still
//! names some too, and seeds the database with them at start. Read afresh at every act
//! (`AppState::is_admin`), so a revocation holds at once, on every node.

use crate::ids::UserId;
use crate::server::storage::store::{Store, StoreError};

impl Store {
    /// Whether the account is an administrator in the database.
    pub async fn is_admin(&self, user_id: UserId) -> Result<bool, StoreError> {
        let admin: Option<i64> = sqlx::query_scalar("SELECT admin FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(admin.unwrap_or(0) != 0)
    }

    /// Make `username` an administrator (`true`) or not; whether there is such an account.
    pub async fn set_admin(&self, username: &str, admin: bool) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query("UPDATE users SET admin = $1 WHERE username = $2 AND bot_owner_id IS NULL")
            .bind(i64::from(admin))
            .bind(username)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(changed.rows_affected() > 0)
    }

    /// Record the accounts `--admins` names as administrators (those that exist).
    pub async fn seed_admins(&self, usernames: &[String]) -> Result<(), StoreError> {
        for username in
            usernames.iter().map(|name| name.trim().to_ascii_lowercase()).filter(|n| !n.is_empty())
        {
            self.set_admin(&username, true).await?;
        }
        Ok(())
    }
}
