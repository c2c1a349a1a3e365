//! Reactions in the store: toggled inside the sequencer's transaction, each toggle an event
//! taking the room's next `seq` (`message_events`, kind `react`), and read back per message
//! in the order each emoji was first used.

use crate::ids::{RoomId, RoomName, Seq, UserId, Username};
use crate::model::Reaction;
use crate::protocol::{MAX_REACTION_KINDS, ServerFrame};
use crate::server::messages::history::{Refusal, Stored};
use crate::server::storage::store::{Store, StoreError};
use sqlx::Row;

/// A request to toggle a reaction.
#[derive(Debug, Clone)]
pub struct ReactMessage {
    pub room_id: RoomId,
    pub room: RoomName,
    pub client_id: String,
    pub actor_id: UserId,
    pub target: Seq,
    /// One emoji, checked by the caller.
    pub emoji: String,
}

impl Store {
    /// Toggle a reaction at `seq` inside `tx`: added if this person had not reacted with that
    /// emoji, taken back if they had.
    pub(crate) async fn react(
        tx: &mut crate::server::storage::store::WriteTx,
        react: &ReactMessage,
        seq: Seq,
        ts: i64,
    ) -> Result<Stored, StoreError> {
        if let Some(seq) = Store::applied(tx, react.room_id, react.actor_id, &react.client_id).await? {
            return Ok(Stored::Duplicate { seq });
        }
        if Store::target(tx, react.room_id, react.target).await?.is_none() {
            return Ok(Stored::Refused(Refusal::NoSuchMessage));
        }
        let removed = sqlx::query(
            "DELETE FROM reactions WHERE room_id = $1 AND target_seq = $2 AND user_id = $3 AND emoji = $4",
        )
        .bind(react.room_id)
        .bind(react.target)
        .bind(react.actor_id)
        .bind(&react.emoji)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if removed == 0 {
            let kinds: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT emoji FROM reactions WHERE room_id = $1 AND target_seq = $2",
            )
            .bind(react.room_id)
            .bind(react.target)
            .fetch_all(&mut **tx)
            .await?;
            if kinds.len() >= MAX_REACTION_KINDS && !kinds.contains(&react.emoji) {
                return Ok(Stored::Refused(Refusal::TooManyReactions));
            }
            sqlx::query(
                "INSERT INTO reactions (room_id, target_seq, user_id, emoji, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(react.room_id)
            .bind(react.target)
            .bind(react.actor_id)
            .bind(&react.emoji)
            .bind(ts)
            .execute(&mut **tx)
            .await?;
        }
        Store::record_event(
            tx,
            react.room_id,
            seq,
            react.target,
            "react",
            react.actor_id,
            &react.client_id,
            ts,
        )
        .await?;
        let rows = Store::reaction_rows(&mut **tx, react.room_id, react.target, react.target).await?;
        let reactions = group_reactions(rows).into_iter().map(|(_, r)| r).collect();
        Ok(Stored::Changed(ServerFrame::Reactions {
            room: react.room.clone(),
            seq,
            target: react.target,
            reactions,
        }))
    }

    /// (target, emoji, username) for the reactions to messages `first..=last`, in the order
    /// they were made.
    async fn reaction_rows<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
        executor: E,
        room_id: RoomId,
        first: Seq,
        last: Seq,
    ) -> Result<Vec<(Seq, String, Username)>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.target_seq, r.emoji, u.username FROM reactions r JOIN users u ON u.id = r.user_id
             WHERE r.room_id = $1 AND r.target_seq BETWEEN $2 AND $3 ORDER BY r.target_seq, r.created_at, r.rowid",
        )
        .bind(room_id)
        .bind(first)
        .bind(last)
        .fetch_all(executor)
        .await?;
        let reaction = |row: &sqlx::any::AnyRow| -> Result<(Seq, String, Username), sqlx::Error> {
            Ok((row.try_get("target_seq")?, row.try_get("emoji")?, row.try_get("username")?))
        };
        Ok(rows.iter().map(reaction).collect::<Result<_, _>>()?)
    }

    /// The reactions to a room's messages `first..=last`, per message.
    pub async fn reactions_between(
        &self,
        room_id: RoomId,
        first: Seq,
        last: Seq,
    ) -> Result<Vec<(Seq, Reaction)>, StoreError> {
        Ok(group_reactions(Store::reaction_rows(self.pool(), room_id, first, last).await?))
    }
}

/// (target, emoji, username) rows, in order, as each message's reactions: one entry per emoji,
/// in the order each was first used, with who reacted in order.
fn group_reactions(rows: Vec<(Seq, String, Username)>) -> Vec<(Seq, Reaction)> {
    let mut grouped: Vec<(Seq, Reaction)> = Vec::new();
    for (target, emoji, username) in rows {
        match grouped.iter_mut().find(|(t, r)| *t == target && r.emoji == emoji) {
            Some((_, reaction)) => reaction.users.push(username),
            None => grouped.push((target, Reaction { emoji, users: vec![username] })),
        }
    }
    grouped
}
