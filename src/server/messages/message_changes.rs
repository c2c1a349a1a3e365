//! Edits and deletions in the store: applied inside the sequencer's transaction like a new
//! message, each taking the room's next `seq` as an event. The event log and what the
//! changes share (the target, a resend applied once) live here too, for reactions, pins and
//! link previews; [`Store::changes_after`] is what a resuming client is told of them all.
//!
//! The message row always holds the current state, so pages and history need nothing else; the
//! event row (`message_events`) is what a resuming client needs: "message 12 changed, at seq 40".
//! A deletion empties the text, removes the attachment rows (the files are deleted once the
//! commit is done) and, when a moderator deletes someone else's message, is written to the
//! moderation log.

use crate::ids::{RoomId, RoomName, Seq, UserId, Username};
use sqlx::Row;

use crate::attachments::AttachmentId;
use crate::model::{LinkPreview, Reaction};
use crate::protocol::ServerFrame;
use crate::server::messages::history::{Refusal, Stored};
use crate::server::messages::pins::PIN_EVENT;
use crate::server::messages::receipts::READ_EVENT;
use crate::server::previews::records::PREVIEW_EVENT;
use crate::server::rooms::moderation::{self, Act};
use crate::server::storage::store::{Store, StoreError};

/// A request to edit a message.
#[derive(Debug, Clone)]
pub struct EditMessage {
    pub room_id: RoomId,
    pub room: RoomName,
    pub client_id: String,
    pub actor_id: UserId,
    /// The actor is a bot account (an edit of theirs that adds a link gets no preview).
    pub by_bot: bool,
    pub target: Seq,
    pub body: String,
    /// `body` rendered (`server::messages::markdown`), by the caller.
    pub html: String,
    /// The room's members the new text mentions.
    pub mentions: Vec<crate::server::messages::mentions::Mentioned>,
    /// Milliseconds after sending that a message may still be edited; `None`: always.
    pub window_ms: Option<i64>,
}

/// A request to delete a message.
#[derive(Debug, Clone)]
pub struct DeleteMessage {
    pub room_id: RoomId,
    pub room: RoomName,
    pub client_id: String,
    pub actor_id: UserId,
    pub target: Seq,
    /// The actor is a server administrator (`--admins`): they may delete anything.
    pub admin: bool,
}

/// One row of `message_events` with its message as it is now, read by name.
struct ChangeRow {
    seq: Seq,
    target: Seq,
    body: String,
    html: String,
    edited_at: Option<i64>,
    deleted_at: Option<i64>,
    kind: String,
}

impl ChangeRow {
    fn from_row(row: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            seq: row.try_get("seq")?,
            target: row.try_get("target_seq")?,
            body: row.try_get("body")?,
            html: row.try_get("html")?,
            edited_at: row.try_get("edited_at")?,
            deleted_at: row.try_get("deleted_at")?,
            kind: row.try_get("kind")?,
        })
    }
}

/// The message a change is about, as the checks need it.
pub(crate) struct Target {
    pub(crate) author_id: Option<UserId>,
    pub(super) created_at: i64,
}

impl Store {
    /// When the room's messages between `first` and `last` were edited, as (the message's
    /// `seq`, when), oldest first: the edits an export lists (the text before an edit is not
    /// kept).
    pub async fn edit_times_between(
        &self,
        room_id: RoomId,
        first: Seq,
        last: Seq,
    ) -> Result<Vec<(Seq, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT target_seq, created_at FROM message_events
             WHERE room_id = $1 AND kind = 'edit' AND target_seq BETWEEN $2 AND $3 ORDER BY seq",
        )
        .bind(room_id)
        .bind(first)
        .bind(last)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("target_seq")?, row.try_get("created_at")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The message `seq` in the room, unless it does not exist or is deleted.
    pub(crate) async fn target(
        tx: &mut crate::server::storage::store::WriteTx,
        room_id: RoomId,
        seq: Seq,
    ) -> Result<Option<Target>, StoreError> {
        let row = sqlx::query(
            "SELECT author_id, created_at FROM messages WHERE room_id = $1 AND seq = $2 AND deleted_at IS NULL",
        )
        .bind(room_id)
        .bind(seq)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Target { author_id: row.try_get("author_id")?, created_at: row.try_get("created_at")? }))
    }

    /// The `seq` this actor's change with `client_id` already took, if it was applied before.
    pub(crate) async fn applied(
        tx: &mut crate::server::storage::store::WriteTx,
        room_id: RoomId,
        actor_id: UserId,
        client_id: &str,
    ) -> Result<Option<Seq>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT seq FROM message_events WHERE room_id = $1 AND COALESCE(actor_id, 0) = $2 AND client_id = $3",
        )
        .bind(room_id)
        .bind(actor_id)
        .bind(client_id)
        .fetch_optional(&mut **tx)
        .await?)
    }

    /// Note change `kind` of message `target` at `seq`, by `actor_id` under their `client_id`.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn record_event(
        tx: &mut crate::server::storage::store::WriteTx,
        room_id: RoomId,
        seq: Seq,
        target: Seq,
        kind: &str,
        actor_id: UserId,
        client_id: &str,
        ts: i64,
    ) -> Result<(), StoreError> {
        Store::record_event_by(tx, room_id, seq, target, kind, Some(actor_id), client_id, ts).await
    }

    /// [`Store::record_event`], for a change a person or the server itself (`None`) made.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn record_event_by(
        tx: &mut crate::server::storage::store::WriteTx,
        room_id: RoomId,
        seq: Seq,
        target: Seq,
        kind: &str,
        actor_id: Option<UserId>,
        client_id: &str,
        ts: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO message_events (room_id, seq, target_seq, kind, actor_id, client_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(room_id)
        .bind(seq)
        .bind(target)
        .bind(kind)
        .bind(actor_id)
        .bind(client_id)
        .bind(ts)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Apply an edit at `seq` inside `tx`.
    pub(crate) async fn edit(
        tx: &mut crate::server::storage::store::WriteTx,
        edit: &EditMessage,
        seq: Seq,
        ts: i64,
    ) -> Result<Stored, StoreError> {
        if let Some(seq) = Store::applied(tx, edit.room_id, edit.actor_id, &edit.client_id).await? {
            return Ok(Stored::Duplicate { seq });
        }
        let Some(target) = Store::target(tx, edit.room_id, edit.target).await? else {
            return Ok(Stored::Refused(Refusal::NoSuchMessage));
        };
        if target.author_id != Some(edit.actor_id) {
            return Ok(Stored::Refused(Refusal::NotYours));
        }
        if edit.window_ms.is_some_and(|window| ts - target.created_at > window) {
            return Ok(Stored::Refused(Refusal::EditWindowClosed));
        }
        if let Some(id) = Store::unindex_message(tx, edit.room_id, edit.target).await? {
            Store::index_message(tx, id, &edit.body).await?;
        }
        sqlx::query(
            "UPDATE messages SET body = $1, html = $2, edited_at = $3 WHERE room_id = $4 AND seq = $5",
        )
        .bind(&edit.body)
        .bind(&edit.html)
        .bind(ts)
        .bind(edit.room_id)
        .bind(edit.target)
        .execute(&mut **tx)
        .await?;
        Store::record_mentions(tx, edit.room_id, edit.target, &edit.mentions).await?;
        Store::record_event(tx, edit.room_id, seq, edit.target, "edit", edit.actor_id, &edit.client_id, ts)
            .await?;
        Ok(Stored::Changed(ServerFrame::Edited {
            room: edit.room.clone(),
            seq,
            target: edit.target,
            body: edit.body.clone(),
            html: edit.html.clone(),
            edited_at: ts,
            mentions: edit.mentions.iter().map(|m| m.username.clone()).collect(),
        }))
    }

    /// Apply a deletion at `seq` inside `tx`: the text and attachment rows go; the files'
    /// ids are returned for deleting after the commit.
    pub(crate) async fn delete(
        tx: &mut crate::server::storage::store::WriteTx,
        delete: &DeleteMessage,
        seq: Seq,
        ts: i64,
    ) -> Result<(Stored, Vec<AttachmentId>), StoreError> {
        if let Some(seq) = Store::applied(tx, delete.room_id, delete.actor_id, &delete.client_id).await? {
            return Ok((Stored::Duplicate { seq }, Vec::new()));
        }
        let Some(target) = Store::target(tx, delete.room_id, delete.target).await? else {
            return Ok((Stored::Refused(Refusal::NoSuchMessage), Vec::new()));
        };
        let own = target.author_id == Some(delete.actor_id);
        if !own {
            // Checked here, in the deletion's own transaction: a moderator demoted a moment ago
            // is no longer one.
            if !delete.admin && !moderation::is_moderator(tx, delete.room_id, delete.actor_id).await? {
                return Ok((Stored::Refused(Refusal::NotYours), Vec::new()));
            }
            moderation::log(
                tx,
                delete.room_id,
                delete.actor_id,
                Act::Delete,
                Some(delete.target),
                target.author_id,
            )
            .await?;
        }
        Store::unindex_message(tx, delete.room_id, delete.target).await?;
        Store::clear_mentions(tx, delete.room_id, delete.target).await?;
        sqlx::query(
            "UPDATE messages SET body = '', html = '', deleted_at = $1, pinned_at = NULL, pinned_by = NULL
             WHERE room_id = $2 AND seq = $3",
        )
        .bind(ts)
        .bind(delete.room_id)
        .bind(delete.target)
        .execute(&mut **tx)
        .await?;
        let mut files: Vec<String> =
            sqlx::query_scalar("SELECT id FROM attachments WHERE room_id = $1 AND message_seq = $2")
                .bind(delete.room_id)
                .bind(delete.target)
                .fetch_all(&mut **tx)
                .await?;
        sqlx::query("DELETE FROM attachments WHERE room_id = $1 AND message_seq = $2")
            .bind(delete.room_id)
            .bind(delete.target)
            .execute(&mut **tx)
            .await?;
        files.extend(Store::forget_preview(tx, delete.room_id, delete.target).await?.map(String::from));
        sqlx::query("DELETE FROM reactions WHERE room_id = $1 AND target_seq = $2")
            .bind(delete.room_id)
            .bind(delete.target)
            .execute(&mut **tx)
            .await?;
        Store::record_event(
            tx,
            delete.room_id,
            seq,
            delete.target,
            "delete",
            delete.actor_id,
            &delete.client_id,
            ts,
        )
        .await?;
        let changed =
            Stored::Changed(ServerFrame::Deleted { room: delete.room.clone(), seq, target: delete.target });
        Ok((changed, files.into_iter().filter_map(|id| AttachmentId::try_from(id).ok()).collect()))
    }

    /// The changes after `after` to messages at or before it, in `seq` order, each as the frame
    /// that tells a client the message's current state. (Changes to later messages need no
    /// telling: those messages are replayed as they are now. Pins are the exception: the room's
    /// list of pins needs each one, whichever message it is on; and read receipts, for which
    /// see [`Store::receipts_after`]. The caller leaves those out for whoever is not told
    /// receipts.)
    pub async fn changes_after(
        &self,
        room_id: RoomId,
        room: &str,
        after: Seq,
    ) -> Result<Vec<ServerFrame>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.seq, e.target_seq, m.body, COALESCE(m.html, '') AS html, m.edited_at, m.deleted_at, e.kind
             FROM message_events e JOIN messages m ON m.room_id = e.room_id AND m.seq = e.target_seq
             WHERE e.room_id = $1 AND e.seq > $2 AND (e.target_seq <= $3 OR e.kind = $4) AND e.kind <> $5
             ORDER BY e.seq",
        )
        .bind(room_id)
        .bind(after)
        .bind(after)
        .bind(PIN_EVENT)
        .bind(READ_EVENT)
        .fetch_all(self.pool())
        .await?;
        let rows = rows.iter().map(ChangeRow::from_row).collect::<Result<Vec<_>, _>>()?;
        // Reactions as they are now, for the messages whose reactions changed.
        let reacted: Vec<Seq> = rows.iter().filter(|row| row.kind == "react").map(|row| row.target).collect();
        let mut reactions: Vec<(Seq, Reaction)> = Vec::new();
        if let (Some(first), Some(last)) = (reacted.iter().min(), reacted.iter().max()) {
            reactions = self.reactions_between(room_id, *first, *last).await?;
        }
        // Whom edited messages mention now.
        let edited: Vec<Seq> = rows.iter().filter(|row| row.kind == "edit").map(|row| row.target).collect();
        let mut mentions: Vec<(Seq, Username)> = Vec::new();
        if let (Some(first), Some(last)) = (edited.iter().min(), edited.iter().max()) {
            mentions = self.mentions_between(room_id, *first, *last).await?;
        }
        // Previews as they are now, for the messages whose preview changed.
        let previewed: Vec<Seq> =
            rows.iter().filter(|row| row.kind == PREVIEW_EVENT).map(|row| row.target).collect();
        let mut previews: Vec<(Seq, LinkPreview)> = Vec::new();
        if let (Some(first), Some(last)) = (previewed.iter().min(), previewed.iter().max()) {
            previews = self.previews_between(room_id, *first, *last).await?;
        }
        // The room's pins as they are now, if any change was a pin.
        let pins =
            if rows.iter().any(|row| row.kind == PIN_EVENT) { self.pins(room_id).await? } else { Vec::new() };
        let mut frames: Vec<ServerFrame> = rows
            .into_iter()
            .map(|row| {
                let (seq, target) = (row.seq, row.target);
                match (row.deleted_at, row.kind.as_str()) {
                    (_, PIN_EVENT) => ServerFrame::Pinned {
                        room: room.into(),
                        seq,
                        target,
                        pin: pins.iter().find(|pin| pin.message.seq == target).cloned(),
                    },
                    (Some(_), _) => ServerFrame::Deleted { room: room.into(), seq, target },
                    (None, PREVIEW_EVENT) => ServerFrame::Preview {
                        room: room.into(),
                        seq,
                        target,
                        preview: previews.iter().find(|(t, _)| *t == target).map(|(_, p)| p.clone()),
                    },
                    (None, "react") => ServerFrame::Reactions {
                        room: room.into(),
                        seq,
                        target,
                        reactions: reactions
                            .iter()
                            .filter(|(t, _)| *t == target)
                            .map(|(_, r)| r.clone())
                            .collect(),
                    },
                    (None, _) => ServerFrame::Edited {
                        room: room.into(),
                        seq,
                        target,
                        body: row.body,
                        html: row.html,
                        edited_at: row.edited_at.unwrap_or_default(),
                        mentions: mentions
                            .iter()
                            .filter(|(t, _)| *t == target)
                            .map(|(_, u)| u.clone())
                            .collect(),
                    },
                }
            })
            .collect();
        // Read receipts, whichever message they are at (each reader's latest).
        frames.extend(self.receipts_after(room_id, room, after).await?);
        frames.sort_by_key(|frame| frame.change_seq());
        Ok(frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::messages::history::NewMessage;

    /// A store with one message by a fresh account, posted at `posted` (ms).
    async fn store_with_message(dir: &std::path::Path, posted: i64) -> (Store, RoomId, UserId) {
        let store = Store::open(&dir.join("t.db")).await.expect("store");
        let user = store.create_user("ann", "-", "Ann").await.expect("user");
        let room = store.room_id("general").await.expect("query").expect("general");
        let message = NewMessage {
            room_id: room,
            room: "general".into(),
            client_id: "m1".into(),
            author_id: Some(user.id),
            author: "Ann".into(),
            username: "ann".into(),
            bot: false,
            via: None,
            body: "tpyo".into(),
            html: String::new(),
            mentions: Vec::new(),
            attachments: Vec::new(),
            placement: Default::default(),
        };
        let mut tx = store.begin().await.expect("tx");
        Store::insert(&mut tx, &message, Seq(1), posted).await.expect("insert");
        tx.commit().await.expect("commit");
        (store, room, user.id)
    }

    fn edit(room_id: RoomId, actor_id: UserId, id: &str, window_ms: Option<i64>) -> EditMessage {
        EditMessage {
            room_id,
            room: "general".into(),
            client_id: id.into(),
            actor_id,
            by_bot: false,
            target: Seq(1),
            body: "typo".into(),
            html: String::new(),
            mentions: Vec::new(),
            window_ms,
        }
    }

    /// The edit window is measured from the message's own time to the edit's, both stamped by
    /// the server: an edit at its last millisecond is taken, one a millisecond later refused.
    #[tokio::test]
    async fn the_edit_window_closes_exactly_when_configured() {
        let dir = tempfile::tempdir().expect("dir");
        let posted = 1_000_000;
        let (store, room, ann) = store_with_message(dir.path(), posted).await;
        let window = Some(60_000);

        let mut tx = store.begin().await.expect("tx");
        let late =
            Store::edit(&mut tx, &edit(room, ann, "e1", window), Seq(2), posted + 60_001).await.expect("ran");
        assert_eq!(late, Stored::Refused(Refusal::EditWindowClosed));
        let in_time =
            Store::edit(&mut tx, &edit(room, ann, "e2", window), Seq(2), posted + 60_000).await.expect("ran");
        assert!(matches!(in_time, Stored::Changed(ServerFrame::Edited { ref body, .. }) if body == "typo"));
        // No window: any time later.
        let much_later =
            Store::edit(&mut tx, &edit(room, ann, "e3", None), Seq(3), posted + 10_000_000_000).await;
        assert!(matches!(much_later.expect("ran"), Stored::Changed(_)));
        tx.commit().await.expect("commit");
    }
}
