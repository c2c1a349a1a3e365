//! Read receipts: who has read a small room how far, told as the room's sequenced events.
//!
//! A receipt comes from the read position Banter already keeps for unread counts
//! (`room_members.last_read_seq`). When a person's position passes a message by someone
//! else, the move takes the room's next `seq` as an event (`message_events`, kind
//! [`READ_EVENT`], its target the newest such message), so a client that was away learns of it
//! on resume, exactly once, on any node. A move that passes no one else's message (a receipt
//! or a pin arriving, the person's own message) tells nobody: that is what keeps one reader's
//! receipt from making every other page mark itself read again in a loop.
//!
//! Who takes part: only in conversations and in rooms of at most
//! [`MAX_RECEIPT_ROOM_MEMBERS`] members (beyond that, "seen by" is noise and the events cost
//! a `seq` per reader per message), and only people who keep receipts on
//! (`users.read_receipts`, on by default). Someone with receipts off sends none and is shown
//! none: they are left out where receipts leave the server (the page, live delivery, replay),
//! and so is anyone who reads a public room without being its member.

use crate::ids::{RoomId, RoomName, Seq, UserId};
use std::collections::HashSet;

use sqlx::Row;

use crate::model::Receipt;
use crate::protocol::{MAX_RECEIPT_ROOM_MEMBERS, ServerFrame};
use crate::server::messages::history::Stored;
use crate::server::storage::store::{Store, StoreError, WriteTx};

/// `message_events.kind` of a read receipt.
pub const READ_EVENT: &str = "read";

/// A person has seen the room up to `seq`: their read position moves there (never back).
#[derive(Debug, Clone)]
pub struct ReadUpTo {
    pub room_id: RoomId,
    pub room: RoomName,
    pub user_id: UserId,
    pub seq: Seq,
}

impl Store {
    /// Move the read position at `seq` inside `tx` (the sequencer's transaction). A receipt
    /// event when it passed someone else's message and the reader takes part; else
    /// [`Stored::Noted`].
    pub(crate) async fn read_up_to(
        tx: &mut WriteTx,
        read: &ReadUpTo,
        seq: Seq,
        ts: i64,
        share: bool,
    ) -> Result<Stored, StoreError> {
        let row = sqlx::query(
            "SELECT m.last_read_seq, u.username, u.display_name, u.read_receipts, r.last_seq
             FROM room_members m JOIN users u ON u.id = m.user_id JOIN rooms r ON r.id = m.room_id
             WHERE m.room_id = $1 AND m.user_id = $2",
        )
        .bind(read.room_id)
        .bind(read.user_id)
        .fetch_optional(&mut **tx)
        .await?;
        // Not a member (a public room read from outside): there is no position to keep.
        let Some(row) = row else { return Ok(Stored::Noted) };
        let before: Seq = row.try_get("last_read_seq")?;
        // Never past the room's latest event: a position ahead of the room would show future
        // messages as read.
        let to = read.seq.min(row.try_get("last_seq")?);
        if to <= before {
            return Ok(Stored::Noted);
        }
        sqlx::query("UPDATE room_members SET last_read_seq = $1 WHERE room_id = $2 AND user_id = $3")
            .bind(to)
            .bind(read.room_id)
            .bind(read.user_id)
            .execute(&mut **tx)
            .await?;
        if !share
            || row.try_get::<i64, _>("read_receipts")? == 0
            || !small_room(&mut **tx, read.room_id).await?
        {
            return Ok(Stored::Noted);
        }
        // The newest message passed that someone else wrote and the room's timeline shows.
        let passed: Option<Seq> = sqlx::query_scalar(
            "SELECT MAX(seq) FROM messages
             WHERE room_id = $1 AND seq > $2 AND seq <= $3 AND deleted_at IS NULL
               AND (author_id IS NULL OR author_id <> $4) AND (thread_root IS NULL OR also_in_room = 1)",
        )
        .bind(read.room_id)
        .bind(before)
        .bind(to)
        .bind(read.user_id)
        .fetch_one(&mut **tx)
        .await?;
        let Some(target) = passed else { return Ok(Stored::Noted) };
        Store::record_event(
            tx,
            read.room_id,
            seq,
            target,
            READ_EVENT,
            read.user_id,
            &format!("read-{seq}"),
            ts,
        )
        .await?;
        let receipt =
            Receipt { username: row.try_get("username")?, name: row.try_get("display_name")?, seq: target };
        Ok(Stored::Changed(ServerFrame::Read { room: read.room.clone(), seq, receipt }))
    }

    /// Whether `user_id` is told receipts in the room: a member, with receipts on, of a room
    /// that keeps them.
    pub async fn sees_receipts(&self, room_id: RoomId, user_id: UserId) -> Result<bool, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let taking_part: Option<i64> = sqlx::query_scalar(
            "SELECT u.read_receipts FROM room_members m JOIN users u ON u.id = m.user_id
             WHERE m.room_id = $1 AND m.user_id = $2",
        )
        .bind(room_id)
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(taking_part.unwrap_or(0) != 0 && small_room(&mut *conn, room_id).await?)
    }

    /// Who is told receipts in the room: its members with receipts on, if the room keeps them
    /// (nobody otherwise).
    pub async fn receipt_audience(&self, room_id: RoomId) -> Result<HashSet<UserId>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        if !small_room(&mut *conn, room_id).await? {
            return Ok(HashSet::new());
        }
        let ids: Vec<UserId> = sqlx::query_scalar(
            "SELECT m.user_id FROM room_members m JOIN users u ON u.id = m.user_id
             WHERE m.room_id = $1 AND u.read_receipts = 1",
        )
        .bind(room_id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(ids.into_iter().collect())
    }

    /// How far each other member with receipts on has read the room (the newest message by
    /// someone else each has passed), for `viewer`'s page; `None` when the viewer is not told
    /// receipts here.
    pub async fn receipts(
        &self,
        room_id: RoomId,
        viewer: UserId,
    ) -> Result<Option<Vec<Receipt>>, StoreError> {
        if !self.sees_receipts(room_id, viewer).await? {
            return Ok(None);
        }
        // `x.author_id + 0`: the same value, hidden from PostgreSQL's statistics. In a room one
        // person (or bot) wrote nearly all of, "not by me" looks to the planner as if it kept no
        // row, and it reads every message of the room in a bitmap instead of walking the
        // `(room_id, seq)` index and stopping early: 220 ms instead of 0.5 at a million.
        let rows = sqlx::query(
            "SELECT u.username, u.display_name,
                    (SELECT MAX(x.seq) FROM messages x
                      WHERE x.room_id = m.room_id AND x.seq <= m.last_read_seq AND x.deleted_at IS NULL
                        AND (x.author_id IS NULL OR x.author_id + 0 <> m.user_id)
                        AND (x.thread_root IS NULL OR x.also_in_room = 1)) AS seq
             FROM room_members m JOIN users u ON u.id = m.user_id
             WHERE m.room_id = $1 AND m.user_id <> $2 AND u.read_receipts = 1 AND m.last_read_seq > 0
             ORDER BY u.username",
        )
        .bind(room_id)
        .bind(viewer)
        .fetch_all(self.pool())
        .await?;
        let mut receipts = Vec::with_capacity(rows.len());
        for row in &rows {
            if let Some(seq) = row.try_get::<Option<Seq>, _>("seq")? {
                receipts.push(Receipt {
                    username: row.try_get("username")?,
                    name: row.try_get("display_name")?,
                    seq,
                });
            }
        }
        Ok(Some(receipts))
    }

    /// The receipts after `after`, as `read` frames in `seq` order: only each reader's latest
    /// (it says all the earlier ones did), and only of readers who still have receipts on.
    pub async fn receipts_after(
        &self,
        room_id: RoomId,
        room: &str,
        after: Seq,
    ) -> Result<Vec<ServerFrame>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.seq, e.target_seq, u.username, u.display_name
             FROM message_events e JOIN users u ON u.id = e.actor_id
             WHERE e.room_id = $1 AND e.seq > $2 AND e.kind = $3 AND u.read_receipts = 1
             ORDER BY e.seq",
        )
        .bind(room_id)
        .bind(after)
        .bind(READ_EVENT)
        .fetch_all(self.pool())
        .await?;
        let mut frames: Vec<ServerFrame> = Vec::new();
        for row in &rows {
            let receipt = Receipt {
                username: row.try_get("username")?,
                name: row.try_get("display_name")?,
                seq: row.try_get("target_seq")?,
            };
            frames.retain(|frame| !matches!(frame, ServerFrame::Read { receipt: r, .. } if r.username == receipt.username));
            frames.push(ServerFrame::Read { room: room.into(), seq: row.try_get("seq")?, receipt });
        }
        Ok(frames)
    }

    /// Turn `user_id`'s read receipts on or off.
    pub async fn set_read_receipts(&self, user_id: UserId, on: bool) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET read_receipts = $1 WHERE id = $2")
            .bind(i64::from(on))
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

/// Whether the room keeps receipts: a conversation, or a room of at most
/// [`MAX_RECEIPT_ROOM_MEMBERS`] members. Asked on every `mark_read`, so it looks at most one
/// member past the limit rather than counting a big room's members each time.
async fn small_room<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    room_id: RoomId,
) -> Result<bool, StoreError> {
    let small: Option<i64> = sqlx::query_scalar(
        "SELECT CASE WHEN r.kind = 'direct'
                  OR NOT EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id LIMIT 1 OFFSET $1)
                  THEN 1 ELSE 0 END
         FROM rooms r WHERE r.id = $2",
    )
    .bind(i64::try_from(MAX_RECEIPT_ROOM_MEMBERS).unwrap_or(i64::MAX))
    .bind(room_id)
    .fetch_optional(executor)
    .await?;
    Ok(small.unwrap_or(0) != 0)
}
