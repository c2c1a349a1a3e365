//! Email digests of what a person missed: a conversation message or a mention still unread
//! `--digest-delay-minutes` after it was sent, and not told to one of their devices by Web
//! Push, goes out in one email per person with links into the rooms.
//!
//! How "once" holds: `digest_marks` keeps, per person and room, the newest message a digest or
//! a push has told them of; only messages after it (and after their read position) are due.
//! A node sending a digest first moves the marks it read from the values it read (a
//! compare-and-set per room, in one transaction), so of several nodes looking at once exactly
//! one mails each message, and a push that lands meanwhile wins over the digest. A push told
//! to a device counts for everything before it in that room: the device showed the room.
//!
//! Only messages sent after the address was verified are ever mailed, only to members of the
//! room at the time of the digest, never about a room muted (`none`), and never a deleted
//! message.

use crate::ids::{RoomId, RoomName, Seq, UserId, Username};
use std::time::Duration;

use sqlx::Row;

use crate::model::{message_path, now_ms};
use crate::server::AppState;
use crate::server::mail::letters::{self, Missed, MissedRoom};
use crate::server::mail::mailer::MailError;
use crate::server::mail::unsubscribe::UnsubscribeKey;
use crate::server::storage::store::{Store, StoreError};

/// Unread messages one look reads at most; the rest wait for the next look.
pub const DIGEST_BATCH: i64 = 2_000;

/// A due message, with whom and where it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub user_id: UserId,
    pub username: Username,
    pub email: String,
    pub room_id: RoomId,
    pub room: RoomName,
    pub direct: bool,
    pub room_label: String,
    /// The room's mark as read (none yet: `None`), to move it from.
    pub mark: Option<Seq>,
    pub seq: Seq,
    pub author: String,
    pub body: String,
    pub thread_root: Option<Seq>,
    pub mentioned: bool,
}

/// The columns both halves of [`Store::digests_due`] read.
const DUE_COLUMNS: &str = "u.id AS user_id, u.username, u.email, mem.room_id AS room_id, rm.name AS room,
    rm.kind, COALESCE(rm.title, rm.name) AS label, d.seq AS mark, m.seq AS seq, m.author, m.body,
    m.thread_root";

/// What both halves require of the person, the membership and the message.
const DUE_CONDITIONS: &str = "u.email IS NOT NULL AND u.email_digests = 1 AND u.deactivated_at IS NULL
    AND u.bot_owner_id IS NULL
    AND m.seq > mem.last_read_seq AND m.seq > COALESCE(d.seq, 0)
    AND m.created_at <= $1 AND m.created_at >= u.email_verified_at
    AND m.deleted_at IS NULL AND m.author_id IS DISTINCT FROM u.id
    AND (mem.notify IS NULL OR mem.notify <> 'none')";

impl Store {
    /// Messages due in a digest at `cutoff` (sent at or before it): in conversations, and
    /// mentions elsewhere; by person, room and order, at most `limit`.
    pub async fn digests_due(&self, cutoff: i64, limit: i64) -> Result<Vec<Due>, StoreError> {
        let query = format!(
            "SELECT {DUE_COLUMNS}, (SELECT COUNT(*) FROM mentions n
                     WHERE n.room_id = m.room_id AND n.seq = m.seq AND n.user_id = u.id) AS mentioned
             FROM users u JOIN room_members mem ON mem.user_id = u.id
             JOIN rooms rm ON rm.id = mem.room_id AND rm.kind = 'direct'
             LEFT JOIN digest_marks d ON d.user_id = u.id AND d.room_id = mem.room_id
             JOIN messages m ON m.room_id = mem.room_id
             WHERE {DUE_CONDITIONS}
             UNION ALL
             SELECT {DUE_COLUMNS}, 1 AS mentioned
             FROM users u JOIN mentions n ON n.user_id = u.id
             JOIN room_members mem ON mem.room_id = n.room_id AND mem.user_id = u.id
             JOIN rooms rm ON rm.id = n.room_id AND rm.kind <> 'direct'
             LEFT JOIN digest_marks d ON d.user_id = u.id AND d.room_id = n.room_id
             JOIN messages m ON m.room_id = n.room_id AND m.seq = n.seq
             WHERE {DUE_CONDITIONS}
             ORDER BY user_id, room_id, seq LIMIT $2"
        );
        let rows = sqlx::query(&query).bind(cutoff).bind(limit).fetch_all(self.pool()).await?;
        let due = |row: &sqlx::any::AnyRow| -> Result<Due, sqlx::Error> {
            Ok(Due {
                user_id: row.try_get("user_id")?,
                username: row.try_get("username")?,
                email: row.try_get("email")?,
                room_id: row.try_get("room_id")?,
                room: row.try_get("room")?,
                direct: row.try_get::<&str, _>("kind")? == "direct",
                room_label: row.try_get("label")?,
                mark: row.try_get("mark")?,
                seq: row.try_get("seq")?,
                author: row.try_get("author")?,
                body: row.try_get("body")?,
                thread_root: row.try_get("thread_root")?,
                mentioned: row.try_get::<i64, _>("mentioned")? > 0,
            })
        };
        Ok(rows.iter().map(due).collect::<Result<_, _>>()?)
    }

    /// Move `user_id`'s marks for a digest: each `(room, read as, to)` from the value read to
    /// the newest message it tells of. The rooms whose mark was still as read, and so are this
    /// digest's to tell; the others were told meanwhile (another node, a push).
    pub async fn claim_digest(
        &self,
        user_id: UserId,
        rooms: &[(RoomId, Option<Seq>, Seq)],
    ) -> Result<Vec<RoomId>, StoreError> {
        let mut claimed = Vec::new();
        let mut tx = self.begin().await?;
        for &(room_id, read_as, to) in rooms {
            let moved = match read_as {
                None => sqlx::query(
                    "INSERT INTO digest_marks (user_id, room_id, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(user_id)
                .bind(room_id)
                .bind(to)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                Some(was) => sqlx::query(
                    "UPDATE digest_marks SET seq = $1 WHERE user_id = $2 AND room_id = $3 AND seq = $4",
                )
                .bind(to)
                .bind(user_id)
                .bind(room_id)
                .bind(was)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
            };
            if moved == 1 {
                claimed.push(room_id);
            }
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// A push told `user_id` of message `seq` in `room_id`: no digest tells of it, or of
    /// anything before it there.
    pub async fn mark_told(&self, user_id: UserId, room_id: RoomId, seq: Seq) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO digest_marks (user_id, room_id, seq) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, room_id) DO UPDATE SET seq = excluded.seq WHERE digest_marks.seq < excluded.seq",
        )
        .bind(user_id)
        .bind(room_id)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// One person's due messages, by room in order.
struct PersonDue {
    user_id: UserId,
    username: Username,
    email: String,
    rooms: Vec<Vec<Due>>,
}

/// `due` (ordered by person, room, seq) grouped by person, then room.
fn by_person(due: Vec<Due>) -> Vec<PersonDue> {
    let mut people: Vec<PersonDue> = Vec::new();
    for message in due {
        if people.last().is_none_or(|person| person.user_id != message.user_id) {
            people.push(PersonDue {
                user_id: message.user_id,
                username: message.username.clone(),
                email: message.email.clone(),
                rooms: Vec::new(),
            });
        }
        let Some(person) = people.last_mut() else { continue };
        match person.rooms.last_mut() {
            Some(room) if room.first().is_some_and(|first| first.room_id == message.room_id) => {
                room.push(message)
            }
            _ => person.rooms.push(vec![message]),
        }
    }
    people
}

/// What a room's part of a digest says.
fn missed_room(messages: &[Due]) -> Option<MissedRoom> {
    let first = messages.first()?;
    let heading = if first.direct {
        format!("Conversation with {}", first.author)
    } else {
        format!("#{}", first.room_label)
    };
    let messages = messages
        .iter()
        .map(|due| Missed {
            author: due.author.clone(),
            body: due.body.clone(),
            path: message_path(&due.room, due.seq, due.thread_root),
            mentioned: due.mentioned,
        })
        .collect();
    Some(MissedRoom { heading, messages })
}

/// Look for due digests every `--digest-check-seconds` and mail them, until the server stops.
/// Nothing runs without SMTP. `base` starts every link.
pub fn spawn(state: AppState, base: String) {
    if !state.mailer.is_on() {
        return;
    }
    let every = Duration::from_secs(state.config.digest_check_seconds.max(1));
    let delay_ms =
        i64::try_from(state.config.digest_delay_minutes.saturating_mul(60_000)).unwrap_or(i64::MAX);
    tokio::spawn(async move {
        let key = match UnsubscribeKey::load(&state.store).await {
            Ok(key) => key,
            Err(error) => return tracing::error!(%error, "cannot load the unsubscribe key: no digests"),
        };
        let mut shutdown = state.shutdown.subscribe();
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = shutdown.changed() => return,
            }
            if let Err(error) = send_due(&state, &key, &base, now_ms().saturating_sub(delay_ms)).await {
                tracing::warn!(%error, "cannot work out digests");
            }
        }
    });
}

/// Mail every digest due at `cutoff`.
async fn send_due(state: &AppState, key: &UnsubscribeKey, base: &str, cutoff: i64) -> Result<(), StoreError> {
    let due = state.store.digests_due(cutoff, DIGEST_BATCH).await?;
    for person in by_person(due) {
        let marks: Vec<(RoomId, Option<Seq>, Seq)> = person
            .rooms
            .iter()
            .filter_map(|room| Some((room.first()?.room_id, room.first()?.mark, room.last()?.seq)))
            .collect();
        let claimed = state.store.claim_digest(person.user_id, &marks).await?;
        let rooms: Vec<MissedRoom> = person
            .rooms
            .iter()
            .filter(|room| room.first().is_some_and(|first| claimed.contains(&first.room_id)))
            .filter_map(|room| missed_room(room))
            .collect();
        if rooms.is_empty() {
            continue;
        }
        let letter =
            letters::digest(base, &person.email, &person.username, &rooms, &key.token(person.user_id));
        match state.mailer.send(letter) {
            Ok(()) => tracing::info!(user = %person.user_id, rooms = rooms.len(), "digest queued"),
            Err(MailError::Busy | MailError::Off) => {
                tracing::warn!(user = %person.user_id, "mail queue full: this digest is not sent");
            }
        }
    }
    Ok(())
}
