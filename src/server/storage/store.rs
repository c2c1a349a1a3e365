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

use crate::ids::{RoomId, Seq};
use std::path::Path;
use std::time::Duration;

use sqlx::{Any, AnyPool, Row, Transaction};

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

/// A write transaction on either backend.
pub type WriteTx = Transaction<'static, Any>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

/// Rooms asked about in one query by [`Store::latest_seqs`].
pub const LATEST_SEQS_PER_QUERY: usize = 500;

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
    pub last_seq: Seq,
    pub access_version: AccessVersion,
    /// A conversation closed by a block (see `server::rooms::blocks`): nothing new happens
    /// in it.
    pub closed: bool,
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
        // Before indexing anything new: an empty list beside a full index is the sign of a
        // database from before the list.
        if store.backend == Backend::Sqlite {
            let listed = store.list_missing_words().await?;
            if listed > 0 {
                tracing::info!(listed, "listed the search index's words");
            }
        }
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
    pub async fn room_id(&self, name: &str) -> Result<Option<RoomId>, StoreError> {
        Ok(sqlx::query_scalar("SELECT id FROM rooms WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The room's name, if a room with that id exists.
    pub async fn room_name(&self, room_id: RoomId) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT name FROM rooms WHERE id = $1")
            .bind(room_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Highest `seq` in the room (a message's, or an edit's or deletion's), 0 when empty.
    pub async fn latest_seq(&self, room_id: RoomId) -> Result<Seq, StoreError> {
        let seq: Option<Seq> = sqlx::query_scalar("SELECT last_seq FROM rooms WHERE id = $1")
            .bind(room_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(seq.unwrap_or_default())
    }

    /// The latest `seq` of each of `rooms` (those that exist), [`LATEST_SEQS_PER_QUERY`] rooms a
    /// query: how a node without Redis learns where the other nodes have got to.
    pub async fn latest_seqs(&self, rooms: &[RoomId]) -> Result<Vec<(RoomId, Seq)>, StoreError> {
        let mut found = Vec::with_capacity(rooms.len());
        for chunk in rooms.chunks(LATEST_SEQS_PER_QUERY) {
            let marks: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!("SELECT id, last_seq FROM rooms WHERE id IN ({})", marks.join(", "));
            let mut query = sqlx::query(&sql);
            for room_id in chunk {
                query = query.bind(*room_id);
            }
            for row in query.fetch_all(&self.pool).await? {
                found.push((sqlx::Row::try_get(&row, "id")?, sqlx::Row::try_get(&row, "last_seq")?));
            }
        }
        Ok(found)
    }

    /// The room's last `seq`, its counter row locked until `tx` ends: whoever else writes to
    /// the room (another node, another process) waits, then numbers after this transaction's.
    /// A batch claims its rooms in ascending id order, so two batches never wait on each other.
    pub async fn claim_seqs(tx: &mut WriteTx, room_id: RoomId) -> Result<RoomClaim, StoreError> {
        // An UPDATE that changes nothing: the one row lock both SQL dialects have.
        let row = sqlx::query(
            "UPDATE rooms SET last_seq = last_seq WHERE id = $1 RETURNING last_seq, access_version, closed",
        )
        .bind(room_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else {
            return Ok(RoomClaim {
                last_seq: Seq::ZERO,
                access_version: AccessVersion::default(),
                closed: false,
            });
        };
        Ok(RoomClaim {
            last_seq: row.try_get("last_seq")?,
            access_version: AccessVersion(row.try_get("access_version")?),
            closed: row.try_get::<i64, _>("closed")? != 0,
        })
    }

    /// Record the room's last `seq` given out in `tx` (after [`Store::claim_seqs`]).
    pub async fn release_seqs(tx: &mut WriteTx, room_id: RoomId, last_seq: Seq) -> Result<(), StoreError> {
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
}
