//! Pinned messages: the few a room's people need at hand, kept in its info panel.
//!
//! A pin is a change to a message like an edit: applied inside the sequencer's transaction,
//! taking the room's next `seq` as an event (`message_events`, kind [`PIN_EVENT`]), so a client
//! that was away learns of it exactly once on resume, on any node. The message row holds the
//! pin (`pinned_at`, `pinned_by`), so pages need nothing else. Who may pin is decided here, in
//! the pin's own transaction: the room's moderators (and server administrators), and either
//! person in a conversation. Each pin and unpin is on the moderation log.

use crate::ids::{RoomId, RoomName, Seq, UserId};
use sqlx::Row;

use crate::model::{Pin, Quote};
use crate::protocol::{MAX_PINS_PER_ROOM, ServerFrame};
use crate::server::messages::history::{Refusal, Stored};
use crate::server::rooms::moderation::{self, Act};
use crate::server::storage::store::{Store, StoreError, WriteTx};

/// `message_events.kind` of a pin or unpin.
pub const PIN_EVENT: &str = "pin";

/// A request to pin a message to its room, or to take the pin away.
#[derive(Debug, Clone)]
pub struct PinMessage {
    pub room_id: RoomId,
    pub room: RoomName,
    pub client_id: String,
    pub actor_id: UserId,
    pub target: Seq,
    /// Pinned after this (`true`), or not.
    pub pinned: bool,
    /// The actor is a server administrator (`--admins`): they moderate every room.
    pub admin: bool,
}

impl Store {
    /// Apply a pin or unpin at `seq` inside `tx`.
    pub(crate) async fn pin(
        tx: &mut WriteTx,
        pin: &PinMessage,
        seq: Seq,
        ts: i64,
    ) -> Result<Stored, StoreError> {
        if let Some(seq) = Store::applied(tx, pin.room_id, pin.actor_id, &pin.client_id).await? {
            return Ok(Stored::Duplicate { seq });
        }
        let Some(target) = Store::target(tx, pin.room_id, pin.target).await? else {
            return Ok(Stored::Refused(Refusal::NoSuchMessage));
        };
        if !pin.admin && !may_pin(tx, pin.room_id, pin.actor_id).await? {
            return Ok(Stored::Refused(Refusal::NotModerator));
        }
        if pin.pinned {
            let others: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM messages WHERE room_id = $1 AND pinned_at IS NOT NULL AND seq <> $2",
            )
            .bind(pin.room_id)
            .bind(pin.target)
            .fetch_one(&mut **tx)
            .await?;
            if usize::try_from(others).unwrap_or(usize::MAX) >= MAX_PINS_PER_ROOM {
                return Ok(Stored::Refused(Refusal::TooManyPins));
            }
        }
        // Pinning a pinned message again keeps its first time and pinner.
        sqlx::query(
            "UPDATE messages SET pinned_at = CASE WHEN $1 = 1 THEN COALESCE(pinned_at, $2) END,
                 pinned_by = CASE WHEN $3 = 1 THEN COALESCE(pinned_by, $4) END
             WHERE room_id = $5 AND seq = $6",
        )
        .bind(i64::from(pin.pinned))
        .bind(ts)
        .bind(i64::from(pin.pinned))
        .bind(pin.actor_id)
        .bind(pin.room_id)
        .bind(pin.target)
        .execute(&mut **tx)
        .await?;
        let act = if pin.pinned { Act::Pin } else { Act::Unpin };
        moderation::log(tx, pin.room_id, pin.actor_id, act, Some(pin.target), target.author_id).await?;
        Store::record_event(tx, pin.room_id, seq, pin.target, PIN_EVENT, pin.actor_id, &pin.client_id, ts)
            .await?;
        let now =
            if pin.pinned { pin_rows(&mut **tx, pin.room_id, Some(pin.target)).await?.pop() } else { None };
        Ok(Stored::Changed(ServerFrame::Pinned { room: pin.room.clone(), seq, target: pin.target, pin: now }))
    }

    /// The room's pinned messages, the most recently pinned first.
    pub async fn pins(&self, room_id: RoomId) -> Result<Vec<Pin>, StoreError> {
        pin_rows(self.pool(), room_id, None).await
    }
}

/// Whether the actor may pin in the room: either person in a conversation, a moderator
/// elsewhere. Membership itself was checked by the caller.
async fn may_pin(tx: &mut WriteTx, room_id: RoomId, actor_id: UserId) -> Result<bool, StoreError> {
    let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM rooms WHERE id = $1")
        .bind(room_id)
        .fetch_optional(&mut **tx)
        .await?;
    if kind.as_deref() == Some("direct") {
        return Ok(true);
    }
    Ok(moderation::is_moderator(tx, room_id, actor_id).await?)
}

/// The room's pins (only message `only`'s, if given), the most recently pinned first.
async fn pin_rows<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    room_id: RoomId,
    only: Option<Seq>,
) -> Result<Vec<Pin>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.seq, m.author, COALESCE(u.username, '') AS username, m.body, m.pinned_at,
                COALESCE(p.username, '') AS pinned_by
         FROM messages m LEFT JOIN users u ON u.id = m.author_id LEFT JOIN users p ON p.id = m.pinned_by
         WHERE m.room_id = $1 AND m.pinned_at IS NOT NULL AND ($2 = 0 OR m.seq = $3)
         ORDER BY m.pinned_at DESC, m.seq DESC",
    )
    .bind(room_id)
    .bind(i64::from(only.is_some()))
    .bind(only.unwrap_or_default())
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Pin {
                message: Quote {
                    seq: row.try_get("seq")?,
                    author: row.try_get("author")?,
                    username: row.try_get("username")?,
                    excerpt: Quote::excerpt_of(row.try_get("body")?),
                    deleted: false,
                },
                by: row.try_get("pinned_by")?,
                at: row.try_get("pinned_at")?,
            })
        })
        .collect()
}
