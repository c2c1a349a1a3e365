//! Exports in the store: asked for, claimed by a node, their progress, finished or failed,
//! listed for the person who asked, and swept when old.

use crate::ids::{RoomId, RoomName, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::server::storage::store::{Store, StoreError};

/// Exports one person may ask for in a day (each reads every message they wrote).
pub const EXPORTS_PER_DAY: i64 = 3;
/// How long a finished archive stays to download.
pub const EXPORT_KEEP_DAYS: i64 = 7;
/// An export whose progress has not moved for this long was cut short (its node stopped).
pub const EXPORT_STALL_MS: i64 = 10 * 60 * 1_000;
const DAY_MS: i64 = 24 * 60 * 60 * 1_000;

/// An export's id: 32 random lowercase hex digits, unguessable in its download's URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExportId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an export id is 32 lowercase hex digits")]
pub struct InvalidExportId;

impl ExportId {
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ExportId {
    fn default() -> Self {
        Self::new()
    }
}

impl TryFrom<String> for ExportId {
    type Error = InvalidExportId;
    fn try_from(id: String) -> Result<Self, Self::Error> {
        let valid = id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if valid { Ok(Self(id)) } else { Err(InvalidExportId) }
    }
}

impl std::fmt::Display for ExportId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportState {
    /// Asked for; waiting for this node's builder.
    Pending,
    Running,
    Done,
    Failed,
}

impl ExportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportState::Pending => "pending",
            ExportState::Running => "running",
            ExportState::Done => "done",
            ExportState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "pending" => ExportState::Pending,
            "running" => ExportState::Running,
            "done" => ExportState::Done,
            // Anything else cannot be downloaded.
            _ => ExportState::Failed,
        }
    }
}

/// One export as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub id: ExportId,
    /// Who asked: the only one who may download it.
    pub user_id: UserId,
    /// The room exported (an administrator's export); `None`: the asker's own data.
    pub room_id: Option<RoomId>,
    pub room: Option<RoomName>,
    pub state: ExportState,
    pub done_items: i64,
    pub total_items: i64,
    pub size: Option<i64>,
    pub created_at: i64,
}

/// What asking for an export came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    Started(ExportId),
    /// One of theirs is still being made.
    Busy,
    /// [`EXPORTS_PER_DAY`] asked for in the last day.
    TooMany,
}

const COLUMNS: &str =
    "e.id, e.user_id, e.room_id, r.name AS room, e.state, e.done_items, e.total_items, e.size, e.created_at
     FROM exports e LEFT JOIN rooms r ON r.id = e.room_id";

fn export_row(row: &AnyRow) -> Result<ExportRow, StoreError> {
    let id: String = row.try_get("id")?;
    Ok(ExportRow {
        id: ExportId::try_from(id).map_err(|error| StoreError::Sql(sqlx::Error::Decode(Box::new(error))))?,
        user_id: row.try_get("user_id")?,
        room_id: row.try_get("room_id")?,
        room: row.try_get("room")?,
        state: ExportState::parse(row.try_get::<&str, _>("state")?),
        done_items: row.try_get("done_items")?,
        total_items: row.try_get("total_items")?,
        size: row.try_get("size")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// `user_id` asks for an export (of `room_id`, or of their own data) at `now`.
    pub async fn ask_export(
        &self,
        user_id: UserId,
        room_id: Option<RoomId>,
        now: i64,
    ) -> Result<Asked, StoreError> {
        let mut tx = self.begin().await?;
        let busy: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM exports WHERE user_id = $1 AND state IN ('pending', 'running')",
        )
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        if busy > 0 {
            return Ok(Asked::Busy);
        }
        let today: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM exports WHERE user_id = $1 AND created_at > $2")
                .bind(user_id)
                .bind(now - DAY_MS)
                .fetch_one(&mut *tx)
                .await?;
        if today >= EXPORTS_PER_DAY {
            return Ok(Asked::TooMany);
        }
        let id = ExportId::new();
        sqlx::query(
            "INSERT INTO exports (id, user_id, room_id, state, created_at, updated_at)
             VALUES ($1, $2, $3, 'pending', $4, $4)",
        )
        .bind(id.as_str())
        .bind(user_id)
        .bind(room_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Asked::Started(id))
    }

    /// Take a pending export to build: `None` if another node has it, or it is gone.
    pub async fn claim_export(&self, id: &ExportId, now: i64) -> Result<Option<ExportRow>, StoreError> {
        let mut tx = self.begin().await?;
        let claimed = sqlx::query(
            "UPDATE exports SET state = 'running', updated_at = $1 WHERE id = $2 AND state = 'pending'",
        )
        .bind(now)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if claimed.rows_affected() != 1 {
            return Ok(None);
        }
        self.export(id).await
    }

    /// How far a running export is: `done` of `total` messages and files.
    pub async fn export_progress(
        &self,
        id: &ExportId,
        done: i64,
        total: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE exports SET done_items = $1, total_items = $2, updated_at = $3 WHERE id = $4")
            .bind(done)
            .bind(total)
            .bind(now)
            .bind(id.as_str())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The export is made: `size` bytes, ready to download.
    pub async fn finish_export(&self, id: &ExportId, size: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE exports SET state = 'done', size = $1, done_items = total_items, updated_at = $2 WHERE id = $3",
        )
        .bind(size)
        .bind(now)
        .bind(id.as_str())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The export could not be made.
    pub async fn fail_export(&self, id: &ExportId, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE exports SET state = 'failed', updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id.as_str())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// One export, whoever asked for it.
    pub async fn export(&self, id: &ExportId) -> Result<Option<ExportRow>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} WHERE e.id = $1"))
            .bind(id.as_str())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(export_row).transpose()
    }

    /// The exports `user_id` asked for, newest first.
    pub async fn exports_of(&self, user_id: UserId) -> Result<Vec<ExportRow>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} WHERE e.user_id = $1 ORDER BY e.created_at DESC"))
            .bind(user_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(export_row).collect()
    }

    /// Running exports whose progress stopped (their node went away) become failed; exports
    /// older than [`EXPORT_KEEP_DAYS`], and every export of a deleted or deactivated account,
    /// are taken off the list: their ids, whose archives the caller removes.
    pub async fn sweep_exports(&self, now: i64) -> Result<Vec<ExportId>, StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE exports SET state = 'failed' WHERE state IN ('pending', 'running') AND updated_at < $1",
        )
        .bind(now - EXPORT_STALL_MS)
        .execute(&mut *tx)
        .await?;
        let gone: Vec<String> = sqlx::query_scalar(
            "SELECT e.id FROM exports e JOIN users u ON u.id = e.user_id
             WHERE e.created_at < $1 OR u.deactivated_at IS NOT NULL",
        )
        .bind(now - EXPORT_KEEP_DAYS * DAY_MS)
        .fetch_all(&mut *tx)
        .await?;
        for id in &gone {
            sqlx::query("DELETE FROM exports WHERE id = $1").bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(gone.into_iter().filter_map(|id| ExportId::try_from(id).ok()).collect())
    }
}
