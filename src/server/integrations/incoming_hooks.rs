//! Incoming webhooks in the store: a room's secret URLs that post into it.
//!
//! Each webhook posts as a bot of its own (`integration_bots`): one webhook that floods
//! cannot use up another's allowance or its maker's.
//!
//! The URL's secret is stored as a SHA-256 only (as session tokens are) and shown once.
//! Revoking clears it — the URL answers 404 from then on — takes the bot out of the room, and
//! keeps the row, so old messages keep their author and the bot never turns into an ordinary
//! one.

use crate::ids::{RoomId, RoomName, UserId};
use sqlx::Row;

use crate::model::{HookSummary, now_ms};
use crate::server::accounts::users::{USER_COLUMNS, User, new_secret, token_hash, user_from_row};
use crate::server::integrations::integration_bots;
use crate::server::storage::store::{Store, StoreError};

pub use crate::model::MAX_HOOKS_PER_ROOM;
/// A webhook bot's username: this, then random hex digits.
const HOOK_BOT_PREFIX: &str = "hook-";

/// A webhook that may post: its id, its room (by name) and its bot.
#[derive(Debug, Clone)]
pub struct ActiveHook {
    pub id: i64,
    pub room: RoomName,
    pub bot: User,
}

/// What making a webhook did.
#[derive(Debug)]
pub enum NewHook {
    /// Made: its id and its secret (shown once).
    Made { id: i64, token: String },
    /// The room has [`MAX_HOOKS_PER_ROOM`] already.
    TooMany,
}

impl Store {
    /// Make a webhook for the room, posting as a new bot called `name` (validated) that
    /// `creator_id` owns and that joins the room. The caller has checked that they may.
    pub async fn create_hook(
        &self,
        room_id: RoomId,
        creator_id: UserId,
        name: &str,
    ) -> Result<NewHook, StoreError> {
        let mut tx = self.begin().await?;
        let active: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM incoming_hooks WHERE room_id = $1 AND revoked_at IS NULL",
        )
        .bind(room_id)
        .fetch_one(&mut *tx)
        .await?;
        if usize::try_from(active).unwrap_or(usize::MAX) >= MAX_HOOKS_PER_ROOM {
            return Ok(NewHook::TooMany);
        }
        let bot_id = integration_bots::add(&mut tx, room_id, creator_id, HOOK_BOT_PREFIX, name).await?;
        let token = new_secret();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO incoming_hooks (room_id, bot_id, token_hash, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(room_id)
        .bind(bot_id)
        .bind(token_hash(&token))
        .bind(creator_id)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(NewHook::Made { id, token })
    }

    /// The room's webhooks that may post, the oldest first.
    pub async fn hooks_in(&self, room_id: RoomId) -> Result<Vec<HookSummary>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT h.id, b.display_name AS name, b.username, c.username AS created_by, h.created_at, h.last_used_at
             FROM incoming_hooks h JOIN users b ON b.id = h.bot_id LEFT JOIN users c ON c.id = h.created_by
             WHERE h.room_id = $1 AND h.revoked_at IS NULL ORDER BY h.id",
        )
        .bind(room_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// The webhook whose secret is `token`, unless it was revoked.
    pub async fn hook_for_token(&self, token: &str) -> Result<Option<ActiveHook>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT h.id AS hook_id, r.name AS room_name, {USER_COLUMNS}
             FROM incoming_hooks h JOIN rooms r ON r.id = h.room_id JOIN users u ON u.id = h.bot_id
             WHERE h.token_hash = $1"
        ))
        .bind(token_hash(token))
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(ActiveHook {
            id: row.try_get("hook_id")?,
            room: row.try_get("room_name")?,
            bot: user_from_row(&row)?,
        }))
    }

    /// Note that the webhook posted now.
    pub async fn hook_posted(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE incoming_hooks SET last_used_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Revoke the room's webhook `id`: its URL stops working and its bot leaves the room.
    /// Whether there was such a webhook to revoke.
    pub async fn revoke_hook(&self, room_id: RoomId, id: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let bot_id: Option<UserId> = sqlx::query_scalar(
            "UPDATE incoming_hooks SET token_hash = NULL, revoked_at = $1
             WHERE id = $2 AND room_id = $3 AND revoked_at IS NULL RETURNING bot_id",
        )
        .bind(now_ms())
        .bind(id)
        .bind(room_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(bot_id) = bot_id else { return Ok(false) };
        integration_bots::remove(&mut tx, room_id, bot_id).await?;
        tx.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hook_posts_as_its_own_bot_until_revoked() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(&dir.path().join("t.db")).await.expect("store");
        let ann = store.create_user("ann", "-", "Ann").await.expect("user");
        let room = store.room_id("general").await.expect("query").expect("general");
        let NewHook::Made { id, token } = store.create_hook(room, ann.id, "CI").await.expect("hook") else {
            panic!("the first hook is refused");
        };
        let hook = store.hook_for_token(&token).await.expect("query").expect("the hook");
        assert_eq!((hook.id, hook.room.as_str(), hook.bot.display_name.as_str()), (id, "general", "CI"));
        assert!(hook.bot.bot && hook.bot.username.starts_with(HOOK_BOT_PREFIX));
        assert!(store.is_member(room, hook.bot.id).await.expect("query"));
        assert!(store.bots_of(ann.id).await.expect("bots").is_empty(), "not among its maker's bots");
        let listed = store.hooks_in(room).await.expect("list");
        assert_eq!(
            (listed.len(), listed[0].created_by.as_deref(), listed[0].last_used_at),
            (1, Some("ann"), None)
        );
        store.hook_posted(id).await.expect("touch");
        assert!(store.hooks_in(room).await.expect("list")[0].last_used_at.is_some());

        assert!(store.hook_for_token(&"0".repeat(64)).await.expect("query").is_none());
        assert!(store.revoke_hook(room, id).await.expect("revoke"));
        assert!(!store.revoke_hook(room, id).await.expect("again"), "revoked once");
        assert!(store.hook_for_token(&token).await.expect("query").is_none());
        assert!(!store.is_member(room, hook.bot.id).await.expect("query"));
        assert!(store.hooks_in(room).await.expect("list").is_empty());
        assert!(store.bots_of(ann.id).await.expect("bots").is_empty(), "still not an ordinary bot");
    }

    #[tokio::test]
    async fn a_room_has_a_bounded_number_of_hooks() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(&dir.path().join("t.db")).await.expect("store");
        let ann = store.create_user("ann", "-", "Ann").await.expect("user");
        let room = store.room_id("general").await.expect("query").expect("general");
        for n in 0..MAX_HOOKS_PER_ROOM {
            assert!(matches!(
                store.create_hook(room, ann.id, &format!("h{n}")).await,
                Ok(NewHook::Made { .. })
            ));
        }
        assert!(matches!(store.create_hook(room, ann.id, "one more").await, Ok(NewHook::TooMany)));
    }
}
