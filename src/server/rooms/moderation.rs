//! Moderation in the store: who moderates a room, and the log of what moderators did.
//!
//! A room's moderators are its creator and the members the creator promoted; server
//! administrators (`--admins`) have every moderator's powers in every room. Whether someone may
//! act is decided here, in the same transaction as the act where there is one, and each act
//! on someone else's message or on another person is logged: who, what, to whom, when.

use crate::ids::{RoomId, Seq, UserId};
use sqlx::{AnyConnection, Row};

use crate::model::now_ms;
use crate::server::rooms::membership::{RoomAccess, RoomError};
use crate::server::storage::store::Store;

/// Most entries the moderation page shows (the newest).
pub const MODERATION_LOG_PAGE: usize = 200;

/// What a person may do in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Power {
    Member,
    /// Promoted by the creator: deletes anyone's message, removes people.
    Moderator,
    /// The creator: a moderator who also promotes and demotes.
    Creator,
    /// A server administrator: everything, in every room.
    Admin,
}

/// A moderation act, as the log stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Deleted someone else's message.
    Delete,
    /// Removed someone from the room.
    Remove,
    Promote,
    Demote,
    /// Pinned a message to the room.
    Pin,
    /// Took a message's pin away.
    Unpin,
    /// Reported a message to the room's moderators (the actor is the reporter).
    Report,
    /// Dismissed the reports on a message.
    Dismiss,
}

impl Act {
    pub fn as_str(self) -> &'static str {
        match self {
            Act::Delete => "delete",
            Act::Remove => "remove",
            Act::Promote => "promote",
            Act::Demote => "demote",
            Act::Pin => "pin",
            Act::Unpin => "unpin",
            Act::Report => "report",
            Act::Dismiss => "dismiss",
        }
    }
}

/// One line of the moderation log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Who acted (username).
    pub actor: String,
    /// `delete`, `remove`, `promote`, `demote`, `pin` or `unpin`.
    pub action: String,
    /// The message acted on, for a deletion.
    pub seq: Option<Seq>,
    /// Whom it was done to (username): the message's author, or the person.
    pub target: Option<String>,
    pub at: i64,
}

/// Whether `user_id` moderates the room (created it, or was promoted), on any connection.
pub(crate) async fn is_moderator(
    conn: &mut AnyConnection,
    room_id: RoomId,
    user_id: UserId,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM rooms WHERE id = $1 AND created_by = $2
         UNION ALL SELECT 1 FROM room_moderators WHERE room_id = $3 AND user_id = $4",
    )
    .bind(room_id)
    .bind(user_id)
    .bind(room_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Write one act to the log.
pub(crate) async fn log(
    conn: &mut AnyConnection,
    room_id: RoomId,
    actor_id: UserId,
    act: Act,
    target_seq: Option<Seq>,
    target_user: Option<UserId>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO moderation_log (room_id, actor_id, action, target_seq, target_author_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(room_id)
    .bind(actor_id)
    .bind(act.as_str())
    .bind(target_seq.unwrap_or_default())
    .bind(target_user)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// What `user_id` may do in the room; `admin` if the server names them an administrator.
    pub async fn power(&self, room: &RoomAccess, user_id: UserId, admin: bool) -> Result<Power, RoomError> {
        if admin {
            return Ok(Power::Admin);
        }
        if room.created_by == Some(user_id) {
            return Ok(Power::Creator);
        }
        let mut conn = self.pool().acquire().await?;
        Ok(if is_moderator(&mut conn, room.id, user_id).await? { Power::Moderator } else { Power::Member })
    }

    /// The room's promoted moderators (user ids); the creator is one without being listed.
    pub async fn moderators(&self, room_id: RoomId) -> Result<Vec<UserId>, RoomError> {
        Ok(sqlx::query_scalar("SELECT user_id FROM room_moderators WHERE room_id = $1")
            .bind(room_id)
            .fetch_all(self.pool())
            .await?)
    }

    /// Promote a member to moderator (`on`) or demote them: the creator's or an admin's call.
    pub async fn set_moderator(
        &self,
        actor: UserId,
        power: Power,
        room: &RoomAccess,
        user_id: UserId,
        on: bool,
    ) -> Result<(), RoomError> {
        if power < Power::Creator || room.created_by == Some(user_id) {
            return Err(RoomError::NotCreator);
        }
        let mut tx = self.begin().await?;
        let member: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM room_members WHERE room_id = $1 AND user_id = $2")
                .bind(room.id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        if member.is_none() {
            return Err(RoomError::NotMember);
        }
        let changed = if on {
            sqlx::query(
                "INSERT INTO room_moderators (room_id, user_id, granted_by, granted_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
            )
            .bind(room.id)
            .bind(user_id)
            .bind(actor)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?
        } else {
            sqlx::query("DELETE FROM room_moderators WHERE room_id = $1 AND user_id = $2")
                .bind(room.id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
        };
        if changed.rows_affected() > 0 {
            let act = if on { Act::Promote } else { Act::Demote };
            log(&mut tx, room.id, actor, act, None, Some(user_id)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The room's moderation log, newest first, at most [`MODERATION_LOG_PAGE`] entries.
    pub async fn moderation_log(&self, room_id: RoomId) -> Result<Vec<LogEntry>, RoomError> {
        let rows = sqlx::query(
            "SELECT a.username AS actor, l.action, l.target_seq, t.username AS target, l.created_at
             FROM moderation_log l JOIN users a ON a.id = l.actor_id
             LEFT JOIN users t ON t.id = l.target_author_id
             WHERE l.room_id = $1 ORDER BY l.id DESC LIMIT $2",
        )
        .bind(room_id)
        .bind(i64::try_from(MODERATION_LOG_PAGE).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        let entry = |row: &sqlx::any::AnyRow| -> Result<LogEntry, sqlx::Error> {
            Ok(LogEntry {
                actor: row.try_get("actor")?,
                action: row.try_get("action")?,
                seq: Some(row.try_get::<Seq, _>("target_seq")?).filter(|seq| *seq > Seq::ZERO),
                target: row.try_get("target")?,
                at: row.try_get("created_at")?,
            })
        };
        Ok(rows.iter().map(entry).collect::<Result<_, _>>()?)
    }
}
