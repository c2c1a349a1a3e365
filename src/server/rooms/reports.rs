//! Messages reported to a room's moderators. A member who can read a message (not their own)
//! files a report with a reason and a note; it waits, open, for whoever may act on it: the
//! room's moderators, or — in a conversation, which has none — the server's administrators.
//! Resolving closes every open report on the message at once, saying how (`deleted`,
//! `removed`, `dismissed`). Filing and dismissing are written to the moderation log; a
//! deletion or a removal logs itself where it happens.

use crate::ids::{RoomId, RoomName, Seq, UserId};
use sqlx::Row;

use crate::model::now_ms;
use crate::rooms::RoomKind;
use crate::server::rooms::membership::kind_of;
use crate::server::rooms::moderation::{self, Act};
use crate::server::storage::store::{Store, StoreError};

/// Most open reports one page lists (the oldest first).
pub const REPORTS_PAGE: i64 = 200;

/// An open report, with what the moderator needs to judge it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    pub id: i64,
    pub room_id: RoomId,
    pub room: RoomName,
    /// What people call the room (a private room's chosen title, else its name).
    pub title: String,
    pub kind: RoomKind,
    pub seq: Seq,
    pub reason: String,
    pub note: String,
    pub reporter: String,
    pub author: Option<String>,
    pub author_id: Option<UserId>,
    /// The message's text as it is now (empty once deleted).
    pub body: String,
    pub deleted: bool,
    pub created_at: i64,
}

/// How a report was filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filed {
    Filed,
    /// The message is not there (or deleted).
    NoSuchMessage,
    /// One's own message.
    OwnMessage,
}

const OPEN_COLUMNS: &str = "p.id, p.room_id, r.name AS room, COALESCE(r.title, r.name) AS title, r.kind, p.seq, p.reason, p.note, p.created_at,
    reporter.username AS reporter, author.username AS author, m.author_id, m.body,
    CASE WHEN m.deleted_at IS NULL THEN 0 ELSE 1 END AS deleted";

/// The tables [`OPEN_COLUMNS`] reads: the report, its room, its reporter, the message and
/// its author.
const OPEN_TABLES: &str = "reports p
    JOIN rooms r ON r.id = p.room_id
    JOIN users reporter ON reporter.id = p.reporter_id
    JOIN messages m ON m.room_id = p.room_id AND m.seq = p.seq
    LEFT JOIN users author ON author.id = m.author_id";

fn open_report(row: &sqlx::any::AnyRow) -> Result<OpenReport, sqlx::Error> {
    Ok(OpenReport {
        id: row.try_get("id")?,
        room_id: row.try_get("room_id")?,
        room: row.try_get("room")?,
        title: row.try_get("title")?,
        kind: kind_of(row.try_get::<&str, _>("kind")?),
        seq: row.try_get("seq")?,
        reason: row.try_get("reason")?,
        note: row.try_get("note")?,
        reporter: row.try_get("reporter")?,
        author: row.try_get("author")?,
        author_id: row.try_get("author_id")?,
        body: row.try_get("body")?,
        deleted: row.try_get::<i64, _>("deleted")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// File `reporter_id`'s report on message `seq` of the room (read access is the caller's
    /// to check). A second report by the same person while theirs is open changes nothing.
    pub async fn file_report(
        &self,
        room_id: RoomId,
        seq: Seq,
        reporter_id: UserId,
        reason: &str,
        note: &str,
    ) -> Result<Filed, StoreError> {
        let mut tx = self.begin().await?;
        let author: Option<Option<UserId>> = sqlx::query_scalar(
            "SELECT author_id FROM messages WHERE room_id = $1 AND seq = $2 AND deleted_at IS NULL",
        )
        .bind(room_id)
        .bind(seq)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(author) = author else { return Ok(Filed::NoSuchMessage) };
        if author == Some(reporter_id) {
            return Ok(Filed::OwnMessage);
        }
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM reports WHERE room_id = $1 AND seq = $2 AND reporter_id = $3 AND resolved_at IS NULL",
        )
        .bind(room_id)
        .bind(seq)
        .bind(reporter_id)
        .fetch_optional(&mut *tx)
        .await?;
        if open.is_none() {
            sqlx::query(
                "INSERT INTO reports (room_id, seq, reporter_id, reason, note, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(room_id)
            .bind(seq)
            .bind(reporter_id)
            .bind(reason)
            .bind(note)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            moderation::log(&mut tx, room_id, reporter_id, Act::Report, Some(seq), author).await?;
        }
        tx.commit().await?;
        Ok(Filed::Filed)
    }

    /// Open reports `viewer_id` may act on, oldest first: in rooms they are in and moderate
    /// (created, or were promoted in; never a conversation), or everywhere for an administrator.
    pub async fn open_reports_for(
        &self,
        viewer_id: UserId,
        admin: bool,
    ) -> Result<Vec<OpenReport>, StoreError> {
        let query = format!(
            "SELECT {OPEN_COLUMNS} FROM {OPEN_TABLES}
             WHERE p.resolved_at IS NULL
               AND ($1 = 1 OR (r.kind <> 'direct'
                    AND EXISTS (SELECT 1 FROM room_members mm WHERE mm.room_id = r.id AND mm.user_id = $2)
                    AND (r.created_by = $3
                         OR EXISTS (SELECT 1 FROM room_moderators rm WHERE rm.room_id = r.id AND rm.user_id = $4))))
             ORDER BY p.created_at, p.id LIMIT $5"
        );
        let rows = sqlx::query(&query)
            .bind(i64::from(admin))
            .bind(viewer_id)
            .bind(viewer_id)
            .bind(viewer_id)
            .bind(REPORTS_PAGE)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(open_report).collect::<Result<_, _>>()?)
    }

    /// The open report `id`, whoever may see it.
    pub async fn open_report(&self, id: i64) -> Result<Option<OpenReport>, StoreError> {
        let query = format!(
            "SELECT {OPEN_COLUMNS} FROM {OPEN_TABLES}
             WHERE p.id = $1 AND p.resolved_at IS NULL"
        );
        let row = sqlx::query(&query).bind(id).fetch_optional(self.pool()).await?;
        Ok(row.as_ref().map(open_report).transpose()?)
    }

    /// Close every open report on message `seq` of the room, as `outcome`, by `resolver_id`;
    /// a dismissal is logged. How many were open.
    pub async fn resolve_reports(
        &self,
        room_id: RoomId,
        seq: Seq,
        resolver_id: UserId,
        outcome: &str,
        author_id: Option<UserId>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let closed = sqlx::query(
            "UPDATE reports SET resolved_at = $1, resolved_by = $2, outcome = $3
             WHERE room_id = $4 AND seq = $5 AND resolved_at IS NULL",
        )
        .bind(now_ms())
        .bind(resolver_id)
        .bind(outcome)
        .bind(room_id)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        if outcome == "dismissed" && closed.rows_affected() > 0 {
            moderation::log(&mut tx, room_id, resolver_id, Act::Dismiss, Some(seq), author_id).await?;
        }
        tx.commit().await?;
        Ok(closed.rows_affected())
    }
}

impl Store {
    /// Message `seq` of the room as the report form quotes it: its author's username and its
    /// text; `None` if it is not there or deleted.
    pub async fn reportable_message(
        &self,
        room_id: RoomId,
        seq: Seq,
    ) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT u.username, m.body FROM messages m JOIN users u ON u.id = m.author_id
             WHERE m.room_id = $1 AND m.seq = $2 AND m.deleted_at IS NULL",
        )
        .bind(room_id)
        .bind(seq)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some((row.try_get("username")?, row.try_get("body")?)))
    }
}
