//! Saved messages: a person's own bookmarks, in the store.
//!
//! Private to the person and not something that happens to the message, so not a room event:
//! nobody else is told. What is listed is checked when it is read, not only when it was saved:
//! a message the person can no longer read (they left or were removed from its room, or it
//! was deleted) drops out of the list instead of leaking, and comes back if access does.

use crate::ids::{RoomId, RoomName, Seq, UserId};
use sqlx::Row;

use crate::model::{MAX_SAVED_PER_PERSON, SavedMessage};
use crate::server::storage::store::{Store, StoreError};

/// What saving asked for did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Saved, or no longer saved, as asked (doing it twice is no error).
    Done,
    /// No such message in the room, or it is deleted.
    NoSuchMessage,
    /// The person has [`MAX_SAVED_PER_PERSON`] saved already.
    TooMany,
}

impl Store {
    /// Save message `seq` of the room for `user_id` (`saved`), or forget it. The caller has
    /// checked that the person may read the room.
    pub async fn set_saved(
        &self,
        user_id: UserId,
        room_id: RoomId,
        seq: Seq,
        saved: bool,
        now: i64,
    ) -> Result<SaveOutcome, StoreError> {
        if !saved {
            sqlx::query("DELETE FROM saved_messages WHERE user_id = $1 AND room_id = $2 AND seq = $3")
                .bind(user_id)
                .bind(room_id)
                .bind(seq)
                .execute(self.pool())
                .await?;
            return Ok(SaveOutcome::Done);
        }
        let exists: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM messages WHERE room_id = $1 AND seq = $2 AND deleted_at IS NULL",
        )
        .bind(room_id)
        .bind(seq)
        .fetch_optional(self.pool())
        .await?;
        if exists.is_none() {
            return Ok(SaveOutcome::NoSuchMessage);
        }
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM saved_messages WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(self.pool())
            .await?;
        if usize::try_from(count).unwrap_or(usize::MAX) >= MAX_SAVED_PER_PERSON {
            return Ok(SaveOutcome::TooMany);
        }
        sqlx::query(
            "INSERT INTO saved_messages (user_id, room_id, seq, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, room_id, seq) DO NOTHING",
        )
        .bind(user_id)
        .bind(room_id)
        .bind(seq)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(SaveOutcome::Done)
    }

    /// Which of the room's messages `user_id` saved (for marking them on its page).
    pub async fn saved_in_room(&self, user_id: UserId, room_id: RoomId) -> Result<Vec<Seq>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT seq FROM saved_messages WHERE user_id = $1 AND room_id = $2 ORDER BY seq",
        )
        .bind(user_id)
        .bind(room_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// The messages `user_id` saved and can read now, the most recently saved first. Titles
    /// are the room's name; the caller gives conversations theirs.
    pub async fn saved_messages(&self, user_id: UserId) -> Result<Vec<SavedMessage>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.name AS room, m.seq, m.thread_root, m.author, COALESCE(u.username, '') AS username, m.body,
                    m.created_at, s.created_at AS saved_at
             FROM saved_messages s
             JOIN rooms r ON r.id = s.room_id
             JOIN messages m ON m.room_id = s.room_id AND m.seq = s.seq AND m.deleted_at IS NULL
             LEFT JOIN users u ON u.id = m.author_id
             WHERE s.user_id = $1 AND (r.kind = 'public' OR EXISTS
                 (SELECT 1 FROM room_members rm WHERE rm.room_id = s.room_id AND rm.user_id = s.user_id))
             ORDER BY s.id DESC",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let room: RoomName = row.try_get("room")?;
                Ok(SavedMessage {
                    room_title: format!("#{room}"),
                    room,
                    seq: row.try_get("seq")?,
                    thread_root: row.try_get("thread_root")?,
                    author: row.try_get("author")?,
                    username: row.try_get("username")?,
                    body: row.try_get("body")?,
                    ts: row.try_get("created_at")?,
                    saved_at: row.try_get("saved_at")?,
                })
            })
            .collect()
    }
}
