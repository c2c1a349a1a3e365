//! Mentions in the store: who a message calls by name, and how many mentions of each person
//! in each room they have not read yet.
//!
//! A mention counts only for a member of the room at the time it is posted: naming someone
//! in a room they cannot read tells them nothing and stores nothing.

use crate::ids::{RoomId, Seq, UserId, Username};
use sqlx::Row;

use crate::mentions::mentioned;
use crate::server::storage::store::{Store, StoreError};

/// A member a message mentions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mentioned {
    pub user_id: UserId,
    pub username: Username,
}

/// A message's text made ready to store: its HTML, with mentions of real members marked, and
/// who it mentions. Outside the single writer: a read, then rendering.
pub async fn prepare(
    store: &Store,
    room_id: RoomId,
    author_id: UserId,
    body: &str,
) -> Result<(String, Vec<Mentioned>), StoreError> {
    let names = mentioned(body);
    let people =
        if names.is_empty() { Vec::new() } else { store.members_named(room_id, author_id, &names).await? };
    let usernames: Vec<Username> = people.iter().map(|p| p.username.clone()).collect();
    Ok((crate::server::messages::markdown::render(body, &usernames), people))
}

impl Store {
    /// The room's members among `usernames` (lower-case), but those who block `author_id`:
    /// a blocked person's mention neither reaches nor highlights for them.
    pub async fn members_named(
        &self,
        room_id: RoomId,
        author_id: UserId,
        usernames: &[String],
    ) -> Result<Vec<Mentioned>, StoreError> {
        if usernames.is_empty() {
            return Ok(Vec::new());
        }
        // One placeholder per name ($3, $4, …): the same text on SQLite and PostgreSQL. A message
        // names at most `MAX_MENTIONS` people, so the statement stays small.
        let placeholders: Vec<String> = (3..usernames.len() + 3).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT u.id, u.username FROM users u JOIN room_members m ON m.user_id = u.id AND m.room_id = $1
             WHERE u.username IN ({})
               AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = u.id AND b.blocked_id = $2)",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(room_id).bind(author_id);
        for name in usernames {
            query = query.bind(name);
        }
        let rows = query.fetch_all(self.pool()).await?;
        let mentioned = |row: &sqlx::any::AnyRow| -> Result<Mentioned, sqlx::Error> {
            Ok(Mentioned { user_id: row.try_get("id")?, username: row.try_get("username")? })
        };
        Ok(rows.iter().map(mentioned).collect::<Result<_, _>>()?)
    }

    /// Record who message `seq` mentions, in place of whom it mentioned before (an edit).
    pub(crate) async fn record_mentions(
        tx: &mut crate::server::storage::store::WriteTx,
        room_id: RoomId,
        seq: Seq,
        people: &[Mentioned],
    ) -> Result<(), StoreError> {
        Store::clear_mentions(tx, room_id, seq).await?;
        for person in people {
            sqlx::query(
                "INSERT INTO mentions (room_id, seq, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(room_id)
            .bind(seq)
            .bind(person.user_id)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Forget whom message `seq` mentions (it was deleted, or is being edited).
    pub(crate) async fn clear_mentions(
        tx: &mut crate::server::storage::store::WriteTx,
        room_id: RoomId,
        seq: Seq,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM mentions WHERE room_id = $1 AND seq = $2")
            .bind(room_id)
            .bind(seq)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Whom each message from `first` to `last` mentions: `(seq, username)`, in `seq` order.
    pub async fn mentions_between(
        &self,
        room_id: RoomId,
        first: Seq,
        last: Seq,
    ) -> Result<Vec<(Seq, Username)>, StoreError> {
        let rows = sqlx::query(
            "SELECT n.seq, u.username FROM mentions n JOIN users u ON u.id = n.user_id
             WHERE n.room_id = $1 AND n.seq BETWEEN $2 AND $3 ORDER BY n.seq, u.username",
        )
        .bind(room_id)
        .bind(first)
        .bind(last)
        .fetch_all(self.pool())
        .await?;
        let mention = |row: &sqlx::any::AnyRow| -> Result<(Seq, Username), sqlx::Error> {
            Ok((row.try_get("seq")?, row.try_get("username")?))
        };
        Ok(rows.iter().map(mention).collect::<Result<_, _>>()?)
    }
}
