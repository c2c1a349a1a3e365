//! The administrators' log: every act `banter admin` does to an account (made, reset link
//! issued, administrator granted or revoked, deactivated, reactivated), with who ran it and
//! when, kept in the database like a room's moderation log so that it survives the terminal it
//! was typed in. `banter admin log` reads it back, newest first.

use sqlx::Row;

use crate::model::now_ms;
use crate::server::storage::store::{Store, StoreError};

/// Entries `banter admin log` prints unless told otherwise.
pub const DEFAULT_LOG_ENTRIES: i64 = 50;

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminAct {
    pub at: i64,
    /// The operating-system user who ran the command.
    pub actor: String,
    /// What was done: `create-user`, `reset-link`, `grant-admin`, …
    pub act: String,
    /// The account it was done to, by username at the time.
    pub target: String,
}

impl Store {
    /// Record that `actor` did `act` to the account `target` (by username; its id is kept too
    /// while the account exists).
    pub async fn log_admin_act(&self, actor: &str, act: &str, target: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO admin_acts (at, actor, act, target_id, target)
             VALUES ($1, $2, $3, (SELECT id FROM users WHERE username = $4), $4)",
        )
        .bind(now_ms())
        .bind(actor)
        .bind(act)
        .bind(target)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest `limit` acts, newest first.
    pub async fn admin_acts(&self, limit: i64) -> Result<Vec<AdminAct>, StoreError> {
        let rows = sqlx::query("SELECT at, actor, act, target FROM admin_acts ORDER BY id DESC LIMIT $1")
            .bind(limit.max(1))
            .fetch_all(self.pool())
            .await?;
        let act = |row: &sqlx::any::AnyRow| -> Result<AdminAct, sqlx::Error> {
            Ok(AdminAct {
                at: row.try_get("at")?,
                actor: row.try_get("actor")?,
                act: row.try_get("act")?,
                target: row.try_get("target")?,
            })
        };
        Ok(rows.iter().map(act).collect::<Result<_, _>>()?)
    }
}
