//! People a person blocked, and the conversations a block closes.
//!
//! A block works one way for what a person sees (the blocker's pages collapse the blocked
//! person's messages in shared rooms, and none of them notifies the blocker) and both ways
//! for their conversation: while either blocks the other, nothing new happens in it. The
//! conversation's `closed` flag is written in the block's transaction under the room's row
//! lock, the lock every commit of the sequencer takes first (`Store::claim_seqs`), so no event
//! of the conversation commits after the block does, on any node. The blocked person is not
//! told: a conversation they cannot start or write in answers as one that is not taking
//! messages, which is all the block lets them see.

use crate::ids::{RoomId, UserId};
use sqlx::Row;

use crate::model::{BlockedPerson, MAX_BLOCKS_PER_PERSON, now_ms};
use crate::rooms::direct_room_name;
use crate::server::storage::store::{Store, StoreError, WriteTx};

/// Why a block was not made.
#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    #[error("you cannot block yourself")]
    Yourself,
    #[error("you have blocked as many people as you may ({MAX_BLOCKS_PER_PERSON}): unblock someone first")]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BlockError {
    fn from(error: sqlx::Error) -> Self {
        BlockError::Store(StoreError::Sql(error))
    }
}

impl Store {
    /// `blocker` blocks `blocked`, closing their conversation if they have one. Blocking again
    /// changes nothing.
    pub async fn block(&self, blocker: UserId, blocked: UserId) -> Result<(), BlockError> {
        if blocker == blocked {
            return Err(BlockError::Yourself);
        }
        let mut tx = self.begin().await?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM blocks WHERE blocker_id = $1")
            .bind(blocker)
            .fetch_one(&mut *tx)
            .await?;
        if usize::try_from(count).unwrap_or(usize::MAX) >= MAX_BLOCKS_PER_PERSON {
            return Err(BlockError::TooMany);
        }
        sqlx::query(
            "INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(blocker)
        .bind(blocked)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        close_conversation(&mut tx, blocker, blocked).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `blocker` unblocks `blocked`; their conversation opens again unless `blocked` blocks
    /// them too.
    pub async fn unblock(&self, blocker: UserId, blocked: UserId) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2")
            .bind(blocker)
            .bind(blocked)
            .execute(&mut *tx)
            .await?;
        close_conversation(&mut tx, blocker, blocked).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The people `user_id` blocked, by username.
    pub async fn blocked_by(&self, user_id: UserId) -> Result<Vec<BlockedPerson>, StoreError> {
        let rows = sqlx::query(
            "SELECT u.username, u.display_name, b.created_at FROM blocks b JOIN users u ON u.id = b.blocked_id
             WHERE b.blocker_id = $1 ORDER BY u.username",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(BlockedPerson {
                    username: row.try_get("username")?,
                    name: row.try_get("display_name")?,
                    since: row.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Whether either of `a` and `b` blocks the other.
    pub async fn blocked_between(&self, a: UserId, b: UserId) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM blocks WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)",
        )
        .bind(a)
        .bind(b)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.is_some())
    }

    /// Of `users`, those who block `author`: whom `author`'s message must not notify.
    pub async fn blockers_among(&self, author: UserId, users: &[UserId]) -> Result<Vec<UserId>, StoreError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let blockers: Vec<UserId> = sqlx::query_scalar("SELECT blocker_id FROM blocks WHERE blocked_id = $1")
            .bind(author)
            .fetch_all(self.pool())
            .await?;
        Ok(blockers.into_iter().filter(|blocker| users.contains(blocker)).collect())
    }

    /// Whether the conversation `room_id` is closed by a block (a room that is not a
    /// conversation never is).
    pub async fn conversation_closed(&self, room_id: RoomId) -> Result<bool, StoreError> {
        let closed: Option<i64> = sqlx::query_scalar("SELECT closed FROM rooms WHERE id = $1")
            .bind(room_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(closed.unwrap_or_default() != 0)
    }
}

/// Set the conversation of `a` and `b` (if they have one) closed exactly while a block stands
/// between them, under its row lock.
async fn close_conversation(tx: &mut WriteTx, a: UserId, b: UserId) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE rooms SET closed = CASE WHEN EXISTS (
             SELECT 1 FROM blocks WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)
         ) THEN 1 ELSE 0 END
         WHERE name = $3 AND kind = 'direct'",
    )
    .bind(a)
    .bind(b)
    .bind(direct_room_name(a, b))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
