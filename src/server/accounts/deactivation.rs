//! Deactivating an account (someone who left): it signs in nowhere, its sessions end on every
//! device and its open sockets close (4004), its messages stay. Done with `banter admin
//! deactivate`, from another process, while the server runs: the server learns of it by
//! looking every [`DEACTIVATION_CHECK_EVERY`] for accounts deactivated since it last looked
//! ([`watch`]), on every node, with or without Redis. Sign-in and every request already refuse
//! the account from the moment it commits (`users.deactivated_at`).
//!
//! The person's own bots stop with them: their tokens are refused and their sockets close while
//! the owner is deactivated, and work again on reactivation (the tokens are kept, so scripts
//! need no new one). A room's integrations are the room's and keep working.

use crate::ids::UserId;
use std::time::Duration;

use crate::model::now_ms;
use crate::server::AppState;
use crate::server::storage::store::{Store, StoreError};

/// How often a node looks for accounts deactivated since it last did.
pub const DEACTIVATION_CHECK_EVERY: Duration = Duration::from_secs(1);
/// How far back each look reaches past the one before, in ms: the command's clock (on another
/// machine, maybe) may be this far behind the server's and nothing is missed.
pub const DEACTIVATION_OVERLAP_MS: i64 = 60_000;

impl Store {
    /// Deactivate `username` (`true`) or reactivate it; whether there is such an account (not
    /// a bot). Deactivating ends its sessions in the same transaction.
    pub async fn set_deactivated(&self, username: &str, deactivated: bool) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let user_id: Option<UserId> =
            sqlx::query_scalar("SELECT id FROM users WHERE username = $1 AND bot_owner_id IS NULL")
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(user_id) = user_id else { return Ok(false) };
        sqlx::query("UPDATE users SET deactivated_at = $1 WHERE id = $2")
            .bind(deactivated.then(now_ms))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if deactivated {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            // Ordered with the events of the person's private rooms, as any sign-out is.
            Store::order_with_rooms_of(&mut tx, user_id).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Accounts deactivated at or after `since` (ms), with the personal bots of each (a
    /// room's integrations stay the room's).
    pub async fn deactivated_since(&self, since: i64) -> Result<Vec<UserId>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM users WHERE deactivated_at >= $1
             UNION SELECT b.id FROM users b JOIN users o ON o.id = b.bot_owner_id
             WHERE o.deactivated_at >= $1
               AND NOT EXISTS (SELECT 1 FROM integration_bots i WHERE i.user_id = b.id)",
        )
        .bind(since)
        .fetch_all(self.pool())
        .await?)
    }
}

/// Close the sockets of accounts deactivated from now on, until the server stops.
pub fn watch(state: AppState) {
    tokio::spawn(async move {
        let mut shutdown = state.shutdown.subscribe();
        let mut since = now_ms() - DEACTIVATION_OVERLAP_MS;
        let mut every = tokio::time::interval(DEACTIVATION_CHECK_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = shutdown.changed() => return,
            }
            // Overlapping the last look: a deactivation stamped by a clock a little behind is
            // seen again (ending sockets already ended costs nothing), never missed.
            let looked_at = now_ms() - DEACTIVATION_OVERLAP_MS;
            match state.store.deactivated_since(since).await {
                Ok(users) => {
                    for user_id in users {
                        let ended = state.hub.end_user(user_id, crate::protocol::CLOSE_SIGNED_OUT);
                        if ended > 0 {
                            tracing::info!(user = %user_id, sockets = ended, "deactivated: sockets closed");
                        }
                    }
                    since = looked_at;
                }
                Err(error) => tracing::warn!(%error, "cannot look for deactivated accounts"),
            }
        }
    });
}
