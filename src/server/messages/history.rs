//! Messages in the store: storing a new one (inside the sequencer's transaction, with its
//! mentions, quote and attachments) and reading a room's history back, a page at a time or
//! everything after a `seq`.

use crate::ids::{RoomId, RoomName, Seq, UserId, Username};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::attachments::AttachmentId;
use crate::model::{ChatMessage, HistoryPage, Quote, ThreadSummary};
use crate::protocol::{ErrorCode, ServerFrame};
use crate::server::previews::records::{preview_columns, preview_from_row};
use crate::server::storage::store::{Store, StoreError, WriteTx};

/// Why a change (or a message) was not stored. Nothing was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("an attachment is not available: upload it again")]
    AttachmentsUnavailable,
    #[error("there is no such message in this room")]
    NoSuchMessage,
    #[error("only its author can edit a message, and only its author or the room's moderator delete it")]
    NotYours,
    #[error("this message can no longer be edited")]
    EditWindowClosed,
    #[error("this message has as many different reactions as it may have")]
    TooManyReactions,
    #[error("only the room's moderators pin messages")]
    NotModerator,
    #[error("this room has as many pinned messages as it may have: unpin one first")]
    TooManyPins,
    #[error("this conversation is not taking new messages")]
    ConversationClosed,
}

impl Refusal {
    pub fn code(self) -> ErrorCode {
        match self {
            Refusal::AttachmentsUnavailable => ErrorCode::AttachmentUnavailable,
            Refusal::NoSuchMessage => ErrorCode::NoSuchMessage,
            Refusal::NotYours => ErrorCode::NotYours,
            Refusal::EditWindowClosed => ErrorCode::EditWindowClosed,
            Refusal::TooManyReactions => ErrorCode::InvalidReaction,
            Refusal::NotModerator => ErrorCode::NotModerator,
            Refusal::TooManyPins => ErrorCode::TooManyPins,
            Refusal::ConversationClosed => ErrorCode::ConversationClosed,
        }
    }
}

/// A message about to be stored; `seq` and time come from the sequencer.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub room_id: RoomId,
    pub room: RoomName,
    pub client_id: String,
    /// The author's account.
    pub author_id: Option<UserId>,
    /// The author's display name when sending.
    pub author: String,
    /// The author's username.
    pub username: Username,
    /// The author is a bot account.
    pub bot: bool,
    /// The bot's own display name when `author` is a name the post gave itself (a webhook's
    /// `username`): shown as "via …".
    pub via: Option<String>,
    pub body: String,
    /// `body` rendered (`server::messages::markdown::render`), by the caller: not in the single writer.
    pub html: String,
    /// The room's members it mentions (`server::messages::mentions::prepare`).
    pub mentions: Vec<crate::server::messages::mentions::Mentioned>,
    /// The author's unsent uploads this message carries.
    pub attachments: Vec<AttachmentId>,
    /// The message it answers and the thread it goes to, if any.
    pub placement: Placement,
}

/// Where in its room a message goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placement {
    /// The message (in the same room) this one answers, quoted.
    pub reply_to: Option<Seq>,
    /// A message of the thread to reply in: its root, or any reply in it.
    pub thread: Option<Seq>,
    /// A thread reply that the room's timeline shows too.
    pub also_to_room: bool,
}

/// What storing one message did.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// A new message at this position.
    New(ChatMessage),
    /// The `client_id` was stored before, at this `seq`: a retried send.
    Duplicate { seq: Seq },
    /// An edit or deletion applied: the frame that tells the room.
    Changed(ServerFrame),
    /// Not stored, for this reason.
    Refused(Refusal),
    /// Applied, with nothing to tell anyone and no `seq` taken (a read position that passed
    /// no one else's message).
    Noted,
}

impl Store {
    /// Store one message at `seq` inside `tx`, unless its author already sent that `client_id`
    /// in the room (a retry).
    pub async fn insert(
        tx: &mut WriteTx,
        message: &NewMessage,
        seq: Seq,
        ts: i64,
    ) -> Result<Stored, StoreError> {
        let existing: Option<Seq> = sqlx::query_scalar(
            "SELECT seq FROM messages
                 WHERE room_id = $1 AND COALESCE(author_id, 0) = COALESCE($2, 0) AND client_id = $3",
        )
        .bind(message.room_id)
        .bind(message.author_id)
        .bind(&message.client_id)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(seq) = existing {
            return Ok(Stored::Duplicate { seq });
        }
        let placement = message.placement;
        let mut thread_root = None;
        if let Some(target) = placement.thread {
            match Store::thread_of(&mut **tx, message.room_id, target).await? {
                Some(root) => thread_root = Some(root),
                None => return Ok(Stored::Refused(Refusal::NoSuchMessage)),
            }
        }
        let mut reply_to = None;
        if let Some(target) = placement.reply_to {
            match Store::quote(&mut **tx, message.room_id, target).await? {
                Some(quote) => reply_to = Some(Box::new(quote)),
                None => return Ok(Stored::Refused(Refusal::NoSuchMessage)),
            }
        }
        let mut attachments = Vec::new();
        if !message.attachments.is_empty() {
            let author = message.author_id.unwrap_or_default();
            match Store::attach(tx, author, message.room_id, seq, &message.attachments).await? {
                Some(attached) => attachments = attached,
                None => return Ok(Stored::Refused(Refusal::AttachmentsUnavailable)),
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO messages
                 (room_id, seq, client_id, author_id, author, body, html, created_at, reply_to, thread_root, also_in_room, via)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(message.room_id)
        .bind(seq)
        .bind(&message.client_id)
        .bind(message.author_id)
        .bind(&message.author)
        .bind(&message.body)
        .bind(&message.html)
        .bind(ts)
        .bind(placement.reply_to)
        .bind(thread_root)
        .bind(i64::from(thread_root.is_some() && placement.also_to_room))
        .bind(&message.via)
        .fetch_one(&mut **tx)
        .await?;
        let thread = match thread_root {
            Some(root) => Some(Store::count_reply(tx, message, root, seq, ts).await?),
            None => None,
        };
        Store::index_message(tx, id, &message.body).await?;
        Store::record_mentions(tx, message.room_id, seq, &message.mentions).await?;
        if let Some(author) = message.author_id {
            Store::clear_draft(tx, author, message.room_id, thread_root).await?;
        }
        Ok(Stored::New(ChatMessage {
            room: message.room.clone(),
            seq,
            client_id: message.client_id.clone(),
            author: message.author.clone(),
            username: message.username.clone(),
            bot: message.bot,
            via: message.via.clone(),
            body: message.body.clone(),
            html: message.html.clone(),
            ts,
            attachments,
            edited_at: None,
            deleted: false,
            reactions: Vec::new(),
            reply_to,
            mentions: message.mentions.iter().map(|m| m.username.clone()).collect(),
            pinned: false,
            thread_root,
            also_in_room: thread_root.is_some() && placement.also_to_room,
            thread,
            preview: None,
        }))
    }

    /// Message `seq` in the room, quoted; `None` if there is none.
    pub(super) async fn quote<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
        executor: E,
        room_id: RoomId,
        seq: Seq,
    ) -> Result<Option<Quote>, StoreError> {
        let row = sqlx::query(
            "SELECT m.author, COALESCE(u.username, '') AS username, m.body, m.deleted_at
             FROM messages m LEFT JOIN users u ON u.id = m.author_id WHERE m.room_id = $1 AND m.seq = $2",
        )
        .bind(room_id)
        .bind(seq)
        .fetch_optional(executor)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Quote {
            seq,
            author: row.try_get("author")?,
            username: row.try_get("username")?,
            excerpt: Quote::excerpt_of(row.try_get("body")?),
            deleted: row.try_get::<Option<i64>, _>("deleted_at")?.is_some(),
        }))
    }

    /// Up to `limit` messages before `before` (or the latest when `None`), oldest first.
    /// Keyset pagination on `seq`: stable while new messages arrive.
    pub async fn page(
        &self,
        room_id: RoomId,
        room: &str,
        before: Option<Seq>,
        limit: usize,
    ) -> Result<HistoryPage, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // Thread replies are in their thread, not the timeline (unless also sent to it).
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} WHERE m.room_id = $1 AND m.seq < $2
                 AND (m.thread_root IS NULL OR m.also_in_room = 1)
             ORDER BY m.seq DESC LIMIT $3"
        ))
        .bind(room_id)
        .bind(before.unwrap_or(Seq(i64::MAX)))
        .bind(limit + 1)
        .fetch_all(self.pool())
        .await?;
        self.newest_first(room_id, room, rows, limit).await
    }

    /// A page from `rows` read newest first, one more than `limit` to tell whether there are
    /// older ones: the `limit` newest, oldest first, with their attachments.
    pub(super) async fn newest_first(
        &self,
        room_id: RoomId,
        room: &str,
        rows: Vec<AnyRow>,
        limit: i64,
    ) -> Result<HistoryPage, StoreError> {
        let has_older = rows.len() as i64 > limit;
        let mut messages =
            rows.iter().take(limit as usize).map(|row| from_row(room, row)).collect::<Result<Vec<_>, _>>()?;
        messages.reverse();
        self.with_attachments(room_id, &mut messages).await?;
        Ok(HistoryPage { messages, has_older })
    }

    /// Messages after `after`, oldest first, at most `limit`.
    pub async fn after(
        &self,
        room_id: RoomId,
        room: &str,
        after: Seq,
        limit: usize,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} WHERE m.room_id = $1 AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3"
        ))
        .bind(room_id)
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        self.oldest_first(room_id, room, &rows).await
    }

    /// `rows` (read oldest first) as messages, with their attachments, reactions and mentions.
    async fn oldest_first(
        &self,
        room_id: RoomId,
        room: &str,
        rows: &[AnyRow],
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let mut messages = rows.iter().map(|row| from_row(room, row)).collect::<Result<Vec<_>, _>>()?;
        self.with_attachments(room_id, &mut messages).await?;
        Ok(messages)
    }

    /// Messages `author_id` wrote in the room after `after`, oldest first, at most `limit`:
    /// what their export holds of the room.
    pub async fn written_by(
        &self,
        room_id: RoomId,
        room: &str,
        author_id: UserId,
        after: Seq,
        limit: usize,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} WHERE m.room_id = $1 AND m.author_id = $2 AND m.seq > $3
             ORDER BY m.seq ASC LIMIT $4"
        ))
        .bind(room_id)
        .bind(author_id)
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        self.oldest_first(room_id, room, &rows).await
    }

    /// How many messages, and files on them, the room holds (of `author_id` only, when given).
    pub async fn message_and_file_counts(
        &self,
        room_id: RoomId,
        author_id: Option<UserId>,
    ) -> Result<(i64, i64), StoreError> {
        let messages: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM messages WHERE room_id = $1 AND ($2 IS NULL OR author_id = $2)",
        )
        .bind(room_id)
        .bind(author_id)
        .fetch_one(self.pool())
        .await?;
        let files: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM attachments a JOIN messages m ON m.room_id = a.room_id AND m.seq = a.message_seq
             WHERE a.room_id = $1 AND ($2 IS NULL OR m.author_id = $2)",
        )
        .bind(room_id)
        .bind(author_id)
        .fetch_one(self.pool())
        .await?;
        Ok((messages, files))
    }

    /// Fill in the attachments, reactions and mentions of `messages` (in `seq` order), a query each.
    pub(super) async fn with_attachments(
        &self,
        room_id: RoomId,
        messages: &mut [ChatMessage],
    ) -> Result<(), StoreError> {
        let (Some(first), Some(last)) = (messages.first().map(|m| m.seq), messages.last().map(|m| m.seq))
        else {
            return Ok(());
        };
        for (seq, attachment) in self.attachments_between(room_id, first, last).await? {
            if let Ok(i) = messages.binary_search_by_key(&seq, |m| m.seq) {
                messages[i].attachments.push(attachment);
            }
        }
        for (seq, reaction) in self.reactions_between(room_id, first, last).await? {
            if let Ok(i) = messages.binary_search_by_key(&seq, |m| m.seq) {
                messages[i].reactions.push(reaction);
            }
        }
        for (seq, username) in self.mentions_between(room_id, first, last).await? {
            if let Ok(i) = messages.binary_search_by_key(&seq, |m| m.seq) {
                messages[i].mentions.push(username);
            }
        }
        Ok(())
    }
}

/// A message, the one it answers and its thread's root, read by [`from_row`]: every history
/// read selects these.
pub(super) const MESSAGE_COLUMNS: &str = concat!(
    "m.seq, m.client_id, m.author, m.body, m.created_at,
        COALESCE(u.username, '') AS username, CASE WHEN u.bot_owner_id IS NULL THEN 0 ELSE 1 END AS author_bot, m.via, m.html, m.edited_at, m.deleted_at, m.pinned_at,
        r.seq AS reply_seq, r.author AS reply_author, COALESCE(ru.username, '') AS reply_username,
        r.body AS reply_body, r.deleted_at AS reply_deleted_at,
        m.thread_root, m.also_in_room, m.thread_replies, m.thread_last_at, m.thread_people,
        t.thread_replies AS root_replies, t.thread_last_at AS root_last_at, t.thread_people AS root_people, ",
    preview_columns!(),
    "
    FROM messages m LEFT JOIN users u ON u.id = m.author_id
    LEFT JOIN messages r ON r.room_id = m.room_id AND r.seq = m.reply_to
    LEFT JOIN users ru ON ru.id = r.author_id
    LEFT JOIN messages t ON t.room_id = m.room_id AND t.seq = m.thread_root
    LEFT JOIN link_previews p ON p.room_id = m.room_id AND p.seq = m.seq AND p.removed_at IS NULL"
);

/// The usernames kept in a root's `thread_people`.
pub(super) fn people_of(kept: &str) -> Vec<String> {
    kept.split_whitespace().map(str::to_owned).collect()
}

/// The thread summary in a row of [`MESSAGE_COLUMNS`]: the root's, for a reply; its own, for a
/// root with replies; `None` for a message with no thread.
fn thread_from_row(row: &AnyRow, reply: bool) -> Result<Option<ThreadSummary>, StoreError> {
    let (replies, last_at, people) = if reply {
        ("root_replies", "root_last_at", "root_people")
    } else {
        ("thread_replies", "thread_last_at", "thread_people")
    };
    let replies = row.try_get::<Option<i64>, _>(replies)?.unwrap_or(0);
    let last_at = row.try_get::<Option<i64>, _>(last_at)?;
    Ok(match last_at {
        Some(last_at) if replies > 0 => Some(ThreadSummary {
            replies,
            last_at,
            people: people_of(&row.try_get::<Option<String>, _>(people)?.unwrap_or_default()),
        }),
        _ => None,
    })
}

/// One row of [`MESSAGE_COLUMNS`] (attachments, reactions and mentions come after).
pub(super) fn from_row(room: &str, row: &AnyRow) -> Result<ChatMessage, StoreError> {
    let body: String = row.try_get("body")?;
    // Messages from before formatting are rendered as they are read.
    let html = match row.try_get::<Option<String>, _>("html")? {
        Some(html) => html,
        None => crate::server::messages::markdown::render(&body, &[]),
    };
    let reply_to = match row.try_get::<Option<Seq>, _>("reply_seq")? {
        Some(seq) => Some(Box::new(Quote {
            seq,
            author: row.try_get("reply_author")?,
            username: row.try_get("reply_username")?,
            excerpt: Quote::excerpt_of(row.try_get("reply_body")?),
            deleted: row.try_get::<Option<i64>, _>("reply_deleted_at")?.is_some(),
        })),
        None => None,
    };
    let thread_root = row.try_get::<Option<Seq>, _>("thread_root")?;
    Ok(ChatMessage {
        room: room.into(),
        seq: row.try_get("seq")?,
        client_id: row.try_get("client_id")?,
        author: row.try_get("author")?,
        username: row.try_get("username")?,
        bot: row.try_get::<i64, _>("author_bot")? != 0,
        via: row.try_get("via")?,
        html,
        body,
        ts: row.try_get("created_at")?,
        attachments: Vec::new(),
        edited_at: row.try_get("edited_at")?,
        deleted: row.try_get::<Option<i64>, _>("deleted_at")?.is_some(),
        reactions: Vec::new(),
        mentions: Vec::new(),
        reply_to,
        pinned: row.try_get::<Option<i64>, _>("pinned_at")?.is_some(),
        thread: thread_from_row(row, thread_root.is_some())?,
        thread_root,
        also_in_room: row.try_get::<i64, _>("also_in_room")? != 0,
        preview: preview_from_row(row)?.map(Box::new),
    })
}
