//! How long a room keeps its history: `--retention-days` for the whole server, overridden
//! per room by an administrator (`banter admin retention <room> <days|forever|default>`).
//! A background sweep on every node deletes what is older, message by message, through the
//! sequencer as ordinary deletions: each is a sequenced event, so an open page removes it at
//! once and a client that was away catches up exactly once; its attachments and preview image
//! go with it, like any deletion's. Nodes sweeping at the same moment do no harm: a deletion's
//! id (`retention:<seq>`) is applied once.
//!
//! Only messages with an author are swept (every message has one today).

use crate::ids::{RoomId, RoomName, Seq, UserId};
use std::time::Duration;

use sqlx::Row;
use tokio::sync::oneshot;

use crate::model::now_ms;
use crate::server::AppState;
use crate::server::messages::message_changes::DeleteMessage;
use crate::server::realtime::sequencer::{Change, PostReply};
use crate::server::storage::store::{Store, StoreError};

/// How often each node looks for history past its room's retention.
pub const RETENTION_CHECK_EVERY: Duration = Duration::from_secs(60 * 60);
/// Messages read per room per look; the rest wait for the next batch of the same sweep.
pub const RETENTION_BATCH: i64 = 500;
const DAY_MS: i64 = 24 * 60 * 60 * 1_000;

/// A room's own setting, as `rooms.retention_days` keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomRetention {
    /// The server's `--retention-days`.
    ServerDefault,
    /// Never deleted, whatever the server's setting.
    Forever,
    Days(u32),
}

/// One message past its room's retention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired {
    pub room_id: RoomId,
    pub room: RoomName,
    pub seq: Seq,
    pub author_id: UserId,
}

impl Store {
    /// Set the retention of the room named `room`: `false` if there is none.
    pub async fn set_room_retention(&self, room: &str, retention: RoomRetention) -> Result<bool, StoreError> {
        let days: Option<i64> = match retention {
            RoomRetention::ServerDefault => None,
            RoomRetention::Forever => Some(0),
            RoomRetention::Days(days) => Some(i64::from(days)),
        };
        let mut tx = self.begin().await?;
        let changed = sqlx::query("UPDATE rooms SET retention_days = $1 WHERE name = $2")
            .bind(days)
            .bind(room)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(changed.rows_affected() == 1)
    }

    /// Up to `limit` messages per room older than its retention at `now`, oldest first.
    /// `server_days` is `--retention-days` (0: forever).
    pub async fn expired_messages(
        &self,
        server_days: u32,
        now: i64,
        limit: i64,
    ) -> Result<Vec<Expired>, StoreError> {
        // Only rooms that keep their history for a limited time.
        let rooms = sqlx::query(
            "SELECT id, name, COALESCE(retention_days, $1) AS days FROM rooms WHERE COALESCE(retention_days, $2) > 0",
        )
        .bind(i64::from(server_days))
        .bind(i64::from(server_days))
        .fetch_all(self.pool())
        .await?;
        let mut expired = Vec::new();
        for row in rooms {
            let days: i64 = row.try_get("days")?;
            let room_id: RoomId = row.try_get("id")?;
            let room: RoomName = row.try_get("name")?;
            let cutoff = now.saturating_sub(days.saturating_mul(DAY_MS));
            let old = sqlx::query(
                "SELECT seq, author_id FROM messages
                 WHERE room_id = $1 AND created_at < $2 AND deleted_at IS NULL AND author_id IS NOT NULL
                 ORDER BY seq LIMIT $3",
            )
            .bind(room_id)
            .bind(cutoff)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
            for message in old {
                expired.push(Expired {
                    room_id,
                    room: room.clone(),
                    seq: message.try_get("seq")?,
                    author_id: message.try_get("author_id")?,
                });
            }
        }
        Ok(expired)
    }
}

/// Delete everything past its retention at `now`, batch after batch: how many were deleted.
pub async fn sweep(state: &AppState, now: i64) -> Result<usize, StoreError> {
    let mut deleted = 0;
    loop {
        let expired = state.store.expired_messages(state.config.retention_days, now, RETENTION_BATCH).await?;
        if expired.is_empty() {
            return Ok(deleted);
        }
        let mut progressed = false;
        for message in expired {
            let client_id = format!("retention:{}", message.seq);
            if delete_as_author(
                state,
                message.room_id,
                message.room,
                message.seq,
                message.author_id,
                client_id,
            )
            .await
            {
                deleted += 1;
                progressed = true;
            }
        }
        if !progressed {
            return Ok(deleted);
        }
    }
}

/// Delete message `seq` of the room as its author's own deletion (no moderator acted, nothing
/// for the moderation log), through the sequencer, and wait for it: whether it was deleted.
/// `client_id` makes a repeat (another node, the next sweep) apply once.
pub async fn delete_as_author(
    state: &AppState,
    room_id: RoomId,
    room: RoomName,
    seq: Seq,
    author_id: UserId,
    client_id: String,
) -> bool {
    let delete = DeleteMessage { room_id, room, client_id, actor_id: author_id, target: seq, admin: false };
    let (reply, done) = oneshot::channel();
    if state.sequencer.write(Change::Delete(delete), PostReply::Call(reply)).await.is_err() {
        return false;
    }
    match done.await {
        Ok(Ok(_)) => true,
        Ok(Err(error)) => {
            tracing::warn!(%error, %seq, "could not delete a message");
            false
        }
        Err(_) => false,
    }
}

/// Sweep now, then every [`RETENTION_CHECK_EVERY`], until shutdown. Nothing to do without
/// `--retention-days` or a room's own setting: each look is one query per room then.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut shutdown = state.shutdown.subscribe();
        let mut ticks = tokio::time::interval(RETENTION_CHECK_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = shutdown.changed() => return,
            }
            match sweep(&state, now_ms()).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "history past its retention deleted"),
                Err(error) => tracing::warn!(%error, "cannot sweep history past its retention"),
            }
        }
    });
}
