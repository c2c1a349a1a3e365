//! The durable store: the one sqlx pool every capability runs its statements through, write
//! transactions ([`Store::begin`]), each room's sequence numbers, and the messages' history.
//!
//! The database is SQLite by default or PostgreSQL (`server::storage::database` says why and
//! how it is opened). Either way "acknowledged" means "on disk": the ack goes out only after
//! the commit returns (`synchronous = FULL` on SQLite, PostgreSQL's default
//! `synchronous_commit`).
//!
//! Messages and every change to them are written by the sequencer (`server::realtime::sequencer`),
//! which assigns `seq`; accounts, rooms, settings and subscriptions are written by their own
//! modules. This is the storage core: it knows no feature, and features keep their own SQL.

use std::path::Path;
use std::time::Duration;

use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};

use crate::attachments::AttachmentId;
use crate::model::{ChatMessage, HistoryPage, Quote};
use crate::protocol::{ErrorCode, ServerFrame};
pub use crate::server::storage::database::{
    BUSY_TIMEOUT, Backend, Database, DatabaseError, POOL_CONNECTIONS,
};

/// How many removals a room has had (a member's sign-out counts as one in private rooms):
/// bumped in each removal's transaction, under the room row
/// the sequencer gives out `seq` under, so an event committed after a removal carries a higher
/// count than any event before it. A node compares it with the count its sockets' membership
/// was checked at, and checks again before delivering when it is behind (a removal committed
/// elsewhere whose news has not arrived yet).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct AccessVersion(pub i64);

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
}

impl Refusal {
    pub fn code(self) -> ErrorCode {
        match self {
            Refusal::AttachmentsUnavailable => ErrorCode::AttachmentUnavailable,
            Refusal::NoSuchMessage => ErrorCode::NoSuchMessage,
            Refusal::NotYours => ErrorCode::NotYours,
            Refusal::EditWindowClosed => ErrorCode::EditWindowClosed,
            Refusal::TooManyReactions => ErrorCode::InvalidReaction,
        }
    }
}

/// A write transaction on either backend.
pub type WriteTx = Transaction<'static, Any>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

/// A cheap-to-clone handle on the pool.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// A room's counter row, locked by a write transaction: the last `seq` given out, and the
/// room's removals so far (which events committed in the transaction carry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomClaim {
    pub last_seq: i64,
    pub access_version: AccessVersion,
}

/// A message about to be stored; `seq` and time come from the sequencer.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub room_id: i64,
    pub room: String,
    pub client_id: String,
    /// The author's account.
    pub author_id: Option<i64>,
    /// The author's display name when sending.
    pub author: String,
    /// The author's username.
    pub username: String,
    pub body: String,
    /// `body` rendered (`server::messages::markdown::render`), by the caller: not in the single writer.
    pub html: String,
    /// The room's members it mentions (`server::messages::mentions::prepare`).
    pub mentions: Vec<crate::server::messages::mentions::Mentioned>,
    /// The author's unsent uploads this message carries.
    pub attachments: Vec<AttachmentId>,
    /// The message (in the same room) this one answers.
    pub reply_to: Option<i64>,
}

/// What storing one message did.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// A new message at this position.
    New(ChatMessage),
    /// The `client_id` was stored before, at this `seq`: a retried send.
    Duplicate { seq: i64 },
    /// An edit or deletion applied: the frame that tells the room.
    Changed(ServerFrame),
    /// Not stored, for this reason.
    Refused(Refusal),
}

impl Store {
    /// Open (creating if missing) the SQLite file and bring its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        Self::connect(&Database::Sqlite(path.to_owned()), BUSY_TIMEOUT).await
    }

    /// Open `database` (see [`Database::open`]) and index any messages search has not seen.
    pub async fn connect(database: &Database, busy_timeout: Duration) -> Result<Self, StoreError> {
        let pool = database.open(busy_timeout).await?;
        let store = Self { pool, backend: database.backend() };
        let indexed = store.backfill_search().await?;
        if indexed > 0 {
            tracing::info!(indexed, "indexed earlier messages for search");
        }
        Ok(store)
    }

    /// Which engine the statements run on, for the few that differ.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for the other tables' queries (`server::accounts::users`).
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Whether [`Store::close`] has run: the server is shutting down.
    pub fn is_closed(&self) -> bool {
        self.pool.is_closed()
    }

    /// The room's id, if a room of that name exists.
    pub async fn room_id(&self, name: &str) -> Result<Option<i64>, StoreError> {
        let row =
            sqlx::query("SELECT id FROM rooms WHERE name = $1").bind(name).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| r.get(0)))
    }

    /// The room's name, if a room with that id exists.
    pub async fn room_name(&self, room_id: i64) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT name FROM rooms WHERE id = $1")
            .bind(room_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Highest `seq` in the room (a message's, or an edit's or deletion's), 0 when empty.
    pub async fn latest_seq(&self, room_id: i64) -> Result<i64, StoreError> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT last_seq FROM rooms WHERE id = $1")
            .bind(room_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(seq.unwrap_or(0))
    }

    /// The room's last `seq`, its counter row locked until `tx` ends: whoever else writes to
    /// the room (another node, another process) waits, then numbers after this transaction's.
    /// A batch claims its rooms in ascending id order, so two batches never wait on each other.
    pub async fn claim_seqs(tx: &mut WriteTx, room_id: i64) -> Result<RoomClaim, StoreError> {
        // An UPDATE that changes nothing: the one row lock both SQL dialects have.
        let row: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE rooms SET last_seq = last_seq WHERE id = $1 RETURNING last_seq, access_version",
        )
        .bind(room_id)
        .fetch_optional(&mut **tx)
        .await?;
        let (last_seq, access_version) = row.unwrap_or_default();
        Ok(RoomClaim { last_seq, access_version: AccessVersion(access_version) })
    }

    /// Record the room's last `seq` given out in `tx` (after [`Store::claim_seqs`]).
    pub async fn release_seqs(tx: &mut WriteTx, room_id: i64, last_seq: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE rooms SET last_seq = $1 WHERE id = $2")
            .bind(last_seq)
            .bind(room_id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Start a write transaction. On SQLite `BEGIN IMMEDIATE` takes the write lock up front, so a
    /// busy database fails here, before any statement, rather than at commit. PostgreSQL locks
    /// rows as they are written.
    pub async fn begin(&self) -> Result<WriteTx, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Store one message at `seq` inside `tx`, unless its author already sent that `client_id`
    /// in the room (a retry).
    pub async fn insert(
        tx: &mut WriteTx,
        message: &NewMessage,
        seq: i64,
        ts: i64,
    ) -> Result<Stored, StoreError> {
        let existing: Option<i64> = sqlx::query_scalar(
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
        let mut reply_to = None;
        if let Some(target) = message.reply_to {
            match Store::quote(tx, message.room_id, target).await? {
                Some(quote) => reply_to = Some(Box::new(quote)),
                None => return Ok(Stored::Refused(Refusal::NoSuchMessage)),
            }
        }
        let mut attachments = Vec::new();
        if !message.attachments.is_empty() {
            let author = message.author_id.unwrap_or(0);
            match Store::attach(tx, author, message.room_id, seq, &message.attachments).await? {
                Some(attached) => attachments = attached,
                None => return Ok(Stored::Refused(Refusal::AttachmentsUnavailable)),
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO messages (room_id, seq, client_id, author_id, author, body, html, created_at, reply_to)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(message.room_id)
        .bind(seq)
        .bind(&message.client_id)
        .bind(message.author_id)
        .bind(&message.author)
        .bind(&message.body)
        .bind(&message.html)
        .bind(ts)
        .bind(message.reply_to)
        .fetch_one(&mut **tx)
        .await?;
        Store::index_message(tx, id, &message.body).await?;
        Store::record_mentions(tx, message.room_id, seq, &message.mentions).await?;
        Ok(Stored::New(ChatMessage {
            room: message.room.clone(),
            seq,
            client_id: message.client_id.clone(),
            author: message.author.clone(),
            username: message.username.clone(),
            body: message.body.clone(),
            html: message.html.clone(),
            ts,
            attachments,
            edited_at: None,
            deleted: false,
            reactions: Vec::new(),
            reply_to,
            mentions: message.mentions.iter().map(|m| m.username.clone()).collect(),
        }))
    }

    /// Message `seq` in the room, quoted; `None` if there is none.
    async fn quote(tx: &mut WriteTx, room_id: i64, seq: i64) -> Result<Option<Quote>, StoreError> {
        let row = sqlx::query(
            "SELECT m.author, COALESCE(u.username, ''), m.body, m.deleted_at
             FROM messages m LEFT JOIN users u ON u.id = m.author_id WHERE m.room_id = $1 AND m.seq = $2",
        )
        .bind(room_id)
        .bind(seq)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(row.map(|row| Quote {
            seq,
            author: row.get(0),
            username: row.get(1),
            excerpt: Quote::excerpt_of(row.get(2)),
            deleted: row.get::<Option<i64>, _>(3).is_some(),
        }))
    }

    /// Up to `limit` messages before `before` (or the latest when `None`), oldest first.
    /// Keyset pagination on `seq`: stable while new messages arrive.
    pub async fn page(
        &self,
        room_id: i64,
        room: &str,
        before: Option<i64>,
        limit: usize,
    ) -> Result<HistoryPage, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = sqlx::query(
            "SELECT m.seq, m.client_id, m.author, m.body, m.created_at, COALESCE(u.username, ''), m.html, m.edited_at, m.deleted_at,
                    r.seq, r.author, COALESCE(ru.username, ''), r.body, r.deleted_at
             FROM messages m LEFT JOIN users u ON u.id = m.author_id
             LEFT JOIN messages r ON r.room_id = m.room_id AND r.seq = m.reply_to
             LEFT JOIN users ru ON ru.id = r.author_id
             WHERE m.room_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3",
        )
        .bind(room_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit + 1)
        .fetch_all(&self.pool)
        .await?;
        let has_older = rows.len() as i64 > limit;
        let mut messages: Vec<ChatMessage> =
            rows.iter().take(limit as usize).map(|row| from_row(room, row)).collect();
        messages.reverse();
        self.with_attachments(room_id, &mut messages).await?;
        Ok(HistoryPage { messages, has_older })
    }

    /// Messages after `after`, oldest first, at most `limit`.
    pub async fn after(
        &self,
        room_id: i64,
        room: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.seq, m.client_id, m.author, m.body, m.created_at, COALESCE(u.username, ''), m.html, m.edited_at, m.deleted_at,
                    r.seq, r.author, COALESCE(ru.username, ''), r.body, r.deleted_at
             FROM messages m LEFT JOIN users u ON u.id = m.author_id
             LEFT JOIN messages r ON r.room_id = m.room_id AND r.seq = m.reply_to
             LEFT JOIN users ru ON ru.id = r.author_id
             WHERE m.room_id = $1 AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3",
        )
        .bind(room_id)
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        let mut messages: Vec<ChatMessage> = rows.iter().map(|row| from_row(room, row)).collect();
        self.with_attachments(room_id, &mut messages).await?;
        Ok(messages)
    }

    /// Fill in the attachments, reactions and mentions of `messages` (in `seq` order), a query each.
    async fn with_attachments(&self, room_id: i64, messages: &mut [ChatMessage]) -> Result<(), StoreError> {
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

fn from_row(room: &str, row: &AnyRow) -> ChatMessage {
    ChatMessage {
        room: room.to_owned(),
        seq: row.get(0),
        client_id: row.get(1),
        author: row.get(2),
        username: row.get(5),
        // Messages from before formatting are rendered as they are read.
        html: row
            .get::<Option<String>, _>(6)
            .unwrap_or_else(|| crate::server::messages::markdown::render(row.get(3), &[])),
        body: row.get(3),
        ts: row.get(4),
        attachments: Vec::new(),
        edited_at: row.get(7),
        deleted: row.get::<Option<i64>, _>(8).is_some(),
        reactions: Vec::new(),
        mentions: Vec::new(),
        reply_to: row.get::<Option<i64>, _>(9).map(|seq| {
            Box::new(Quote {
                seq,
                author: row.get(10),
                username: row.get(11),
                excerpt: Quote::excerpt_of(row.get(12)),
                deleted: row.get::<Option<i64>, _>(13).is_some(),
            })
        }),
    }
}
