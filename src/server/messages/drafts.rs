//! Drafts in the store: what a person typed in a room and has not sent, one per person and
//! room, and one per thread they typed in (`thread_root`; 0 for the room's own composer).
//!
//! Private to the person and not an event of the room: nobody else is told. Kept so that it
//! comes back on their other devices and after a reload; posting a message clears it inside
//! the message's own transaction (`Store::insert`), so a sent text never comes back as a
//! draft, whichever device or path (socket, form) sent it.

use crate::ids::{RoomId, Seq, UserId};
use sqlx::Row;

use crate::model::Draft;
use crate::server::storage::store::{Store, StoreError, WriteTx};

impl Store {
    /// Keep `body` (answering `reply_to`) as the person's draft in the room, or in the thread
    /// of `thread`; an empty body with no reply forgets it.
    pub async fn save_draft(
        &self,
        user_id: UserId,
        room_id: RoomId,
        thread: Option<Seq>,
        body: &str,
        reply_to: Option<Seq>,
        now: i64,
    ) -> Result<(), StoreError> {
        if body.trim().is_empty() && reply_to.is_none() {
            return forget(self.pool(), user_id, room_id, thread).await;
        }
        sqlx::query(
            "INSERT INTO drafts (user_id, room_id, thread_root, body, reply_to, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (user_id, room_id, thread_root)
             DO UPDATE SET body = excluded.body, reply_to = excluded.reply_to, updated_at = excluded.updated_at",
        )
        .bind(user_id)
        .bind(room_id)
        .bind(thread.unwrap_or_default())
        .bind(body)
        .bind(reply_to)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The person's draft in the room (or in the thread of `thread`), with the message it
    /// answers (left out if that message is no longer there).
    pub async fn draft(
        &self,
        user_id: UserId,
        room_id: RoomId,
        thread: Option<Seq>,
    ) -> Result<Option<Draft>, StoreError> {
        let row = sqlx::query(
            "SELECT body, reply_to, updated_at FROM drafts WHERE user_id = $1 AND room_id = $2 AND thread_root = $3",
        )
        .bind(user_id)
        .bind(room_id)
        .bind(thread.unwrap_or_default())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let reply_to = match row.try_get::<Option<Seq>, _>("reply_to")? {
            Some(seq) => Store::quote(self.pool(), room_id, seq).await?.filter(|quote| !quote.deleted),
            None => None,
        };
        Ok(Some(Draft { body: row.try_get("body")?, reply_to, updated_at: row.try_get("updated_at")? }))
    }

    /// Forget the person's draft where their message went (the room, or the thread of
    /// `thread`), inside the transaction that posts it.
    pub(super) async fn clear_draft(
        tx: &mut WriteTx,
        user_id: UserId,
        room_id: RoomId,
        thread: Option<Seq>,
    ) -> Result<(), StoreError> {
        forget(&mut **tx, user_id, room_id, thread).await
    }
}

/// Forget the person's draft in the room (or a thread of it), in a transaction or not.
async fn forget<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    user_id: UserId,
    room_id: RoomId,
    thread: Option<Seq>,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM drafts WHERE user_id = $1 AND room_id = $2 AND thread_root = $3")
        .bind(user_id)
        .bind(room_id)
        .bind(thread.unwrap_or_default())
        .execute(executor)
        .await?;
    Ok(())
}
