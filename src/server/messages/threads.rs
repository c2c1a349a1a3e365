//! Threads: a reply names its thread's root, which keeps the thread's summary; who follows
//! which thread and how far they have read it; the threads a person follows, with what is
//! unread in them.
//!
//! Replies are stored by `history` like every message; this module does what is particular to
//! threads, inside the same transaction when a reply is stored, so a summary, a follow and the
//! reply are committed together.

use crate::ids::{RoomId, RoomName, Seq, UserId};
use sqlx::Row;

use crate::model::{FollowedThread, Quote, THREAD_PEOPLE_SHOWN, ThreadPage, ThreadSummary};
use crate::server::messages::history::{MESSAGE_COLUMNS, NewMessage, from_row, people_of};
use crate::server::storage::store::{Store, StoreError, WriteTx};

/// Most followed threads one read lists (the Threads view, the sidebar's count).
pub const FOLLOWED_THREADS_SHOWN: usize = 100;

/// What storing a follow does to a row that is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Join {
    /// Keep it as it is (an unfollow stays).
    Keep,
    /// Follow again.
    Follow,
}

impl Store {
    /// The root of the thread message `seq` belongs to: its own `seq` for a message of the
    /// room, its root's for a thread reply; `None` if there is no such message.
    pub(super) async fn thread_of<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
        executor: E,
        room_id: RoomId,
        seq: Seq,
    ) -> Result<Option<Seq>, StoreError> {
        let row = sqlx::query("SELECT thread_root FROM messages WHERE room_id = $1 AND seq = $2")
            .bind(room_id)
            .bind(seq)
            .fetch_optional(executor)
            .await?;
        Ok(match row {
            Some(row) => Some(row.try_get::<Option<Seq>, _>("thread_root")?.unwrap_or(seq)),
            None => None,
        })
    }

    /// Count a new reply (`message`, at `seq` and `ts`) on its thread's root, and have the
    /// people it concerns follow the thread: the root's author, the replier (who has read it
    /// up to here) and whom it mentions. The thread as it is now.
    pub(super) async fn count_reply(
        tx: &mut WriteTx,
        message: &NewMessage,
        root: Seq,
        seq: Seq,
        ts: i64,
    ) -> Result<ThreadSummary, StoreError> {
        let room_id = message.room_id;
        let row = sqlx::query(
            "SELECT author_id, thread_replies, thread_people FROM messages WHERE room_id = $1 AND seq = $2",
        )
        .bind(room_id)
        .bind(root)
        .fetch_one(&mut **tx)
        .await?;
        let replies = row.try_get::<i64, _>("thread_replies")? + 1;
        let mut people = people_of(&row.try_get::<String, _>("thread_people")?);
        let username = &message.username;
        if people.len() < THREAD_PEOPLE_SHOWN && !username.is_empty() && !people.iter().any(|p| p == username)
        {
            people.push(username.clone().into());
        }
        sqlx::query(
            "UPDATE messages SET thread_replies = $3, thread_last_at = $4, thread_people = $5
             WHERE room_id = $1 AND seq = $2",
        )
        .bind(room_id)
        .bind(root)
        .bind(replies)
        .bind(ts)
        .bind(people.join(" "))
        .execute(&mut **tx)
        .await?;
        // The root's author follows unless they unfollowed; whoever replies or is mentioned
        // follows again.
        if let Some(author) = row.try_get::<Option<UserId>, _>("author_id")? {
            follow(tx, author, room_id, root, Join::Keep, Seq::ZERO).await?;
        }
        for mentioned in &message.mentions {
            follow(tx, mentioned.user_id, room_id, root, Join::Follow, Seq::ZERO).await?;
        }
        if let Some(author) = message.author_id {
            follow(tx, author, room_id, root, Join::Follow, seq).await?;
        }
        Ok(ThreadSummary { replies, last_at: ts, people })
    }

    /// Thread `root` of the room with up to `limit` of its replies before `before` (the latest
    /// when `None`), oldest first; `None` if `root` is not a message of the room (a thread
    /// reply is not a root).
    pub async fn thread(
        &self,
        room_id: RoomId,
        room: &str,
        root: Seq,
        before: Option<Seq>,
        limit: usize,
    ) -> Result<Option<ThreadPage>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} WHERE m.room_id = $1 AND m.seq = $2 AND m.thread_root IS NULL"
        ))
        .bind(room_id)
        .bind(root)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut root_message = [from_row(room, &row)?];
        self.with_attachments(room_id, &mut root_message).await?;
        let [root_message] = root_message;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} WHERE m.room_id = $1 AND m.thread_root = $2 AND m.seq < $3
             ORDER BY m.seq DESC LIMIT $4"
        ))
        .bind(room_id)
        .bind(root)
        .bind(before.unwrap_or(Seq(i64::MAX)))
        .bind(limit + 1)
        .fetch_all(self.pool())
        .await?;
        let replies = self.newest_first(room_id, room, rows, limit).await?;
        Ok(Some(ThreadPage { root: root_message, replies }))
    }

    /// Follow thread `root` of the room (`on`), or stop following it, by hand. False when
    /// `root` is no thread's root (no message, or a reply).
    pub async fn set_following(
        &self,
        user_id: UserId,
        room_id: RoomId,
        root: Seq,
        on: bool,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let is_root: Option<Option<Seq>> =
            sqlx::query_scalar("SELECT thread_root FROM messages WHERE room_id = $1 AND seq = $2")
                .bind(room_id)
                .bind(root)
                .fetch_optional(&mut *tx)
                .await?;
        if !matches!(is_root, Some(None)) {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO thread_follows (user_id, room_id, root_seq, following, read_seq) VALUES ($1, $2, $3, $4, 0)
             ON CONFLICT (user_id, room_id, root_seq) DO UPDATE SET following = excluded.following",
        )
        .bind(user_id)
        .bind(room_id)
        .bind(root)
        .bind(i64::from(on))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Whether the person follows thread `root` of the room.
    pub async fn following(&self, user_id: UserId, room_id: RoomId, root: Seq) -> Result<bool, StoreError> {
        let following: Option<i64> = sqlx::query_scalar(
            "SELECT following FROM thread_follows WHERE user_id = $1 AND room_id = $2 AND root_seq = $3",
        )
        .bind(user_id)
        .bind(room_id)
        .bind(root)
        .fetch_optional(self.pool())
        .await?;
        Ok(following == Some(1))
    }

    /// The person has seen thread `root` up to reply `seq` (a read position only moves on).
    pub async fn read_thread(
        &self,
        user_id: UserId,
        room_id: RoomId,
        root: Seq,
        seq: Seq,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE thread_follows SET read_seq = $4
             WHERE user_id = $1 AND room_id = $2 AND root_seq = $3 AND read_seq < $4",
        )
        .bind(user_id)
        .bind(room_id)
        .bind(root)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Who follows thread `root` of the room and is still a member of it (accounts).
    pub async fn thread_followers(&self, room_id: RoomId, root: Seq) -> Result<Vec<UserId>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT f.user_id FROM thread_follows f
             JOIN room_members rm ON rm.room_id = f.room_id AND rm.user_id = f.user_id
             WHERE f.room_id = $1 AND f.root_seq = $2 AND f.following = 1",
        )
        .bind(room_id)
        .bind(root)
        .fetch_all(self.pool())
        .await?)
    }

    /// The threads the person follows, in rooms they are still in, that have a reply by someone
    /// else they have not seen, as `(room, root)` (at most [`FOLLOWED_THREADS_SHOWN`]): what
    /// every room page's sidebar counts, so it asks only whether one such reply exists.
    pub async fn unread_threads(&self, user_id: UserId) -> Result<Vec<(RoomName, Seq)>, StoreError> {
        // `x.author_id + 0`: hidden from the planner's statistics (see `Store::my_rooms`).
        let rows = sqlx::query(
            "SELECT r.name AS room, f.root_seq
             FROM thread_follows f
             JOIN rooms r ON r.id = f.room_id
             JOIN room_members rm ON rm.room_id = f.room_id AND rm.user_id = f.user_id
             WHERE f.user_id = $1 AND f.following = 1
               AND EXISTS (SELECT 1 FROM messages x WHERE x.room_id = f.room_id AND x.thread_root = f.root_seq
                             AND x.seq > f.read_seq AND (x.author_id IS NULL OR x.author_id + 0 != f.user_id))
             LIMIT $2",
        )
        .bind(user_id)
        .bind(i64::try_from(FOLLOWED_THREADS_SHOWN).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|row| Ok((row.try_get("room")?, row.try_get("root_seq")?))).collect()
    }

    /// The threads the person follows in rooms they are still in, the most recently active
    /// first (at most [`FOLLOWED_THREADS_SHOWN`]), each with its replies unread. Rooms are
    /// titled `#name` (the caller knows conversations' titles).
    pub async fn followed_threads(&self, user_id: UserId) -> Result<Vec<FollowedThread>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.name AS room, f.root_seq, m.author, COALESCE(u.username, '') AS username, m.body,
                    m.deleted_at, m.thread_replies, COALESCE(m.thread_last_at, m.created_at) AS last_at,
                    (SELECT COUNT(*) FROM messages x WHERE x.room_id = f.room_id AND x.thread_root = f.root_seq
                       AND x.seq > f.read_seq AND (x.author_id IS NULL OR x.author_id + 0 != f.user_id)) AS unread
             FROM thread_follows f
             JOIN rooms r ON r.id = f.room_id
             JOIN room_members rm ON rm.room_id = f.room_id AND rm.user_id = f.user_id
             JOIN messages m ON m.room_id = f.room_id AND m.seq = f.root_seq
             LEFT JOIN users u ON u.id = m.author_id
             WHERE f.user_id = $1 AND f.following = 1
             ORDER BY last_at DESC, f.root_seq DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(i64::try_from(FOLLOWED_THREADS_SHOWN).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let deleted = row.try_get::<Option<i64>, _>("deleted_at")?.is_some();
                let room: RoomName = row.try_get("room")?;
                Ok(FollowedThread {
                    room_title: format!("#{room}"),
                    room,
                    root: Quote {
                        seq: row.try_get("root_seq")?,
                        author: row.try_get("author")?,
                        username: row.try_get("username")?,
                        excerpt: if deleted {
                            String::new()
                        } else {
                            Quote::excerpt_of(row.try_get("body")?)
                        },
                        deleted,
                    },
                    replies: row.try_get("thread_replies")?,
                    last_at: row.try_get("last_at")?,
                    unread: row.try_get("unread")?,
                })
            })
            .collect()
    }
}

/// `user_id` follows thread `root`; `read_seq` above 0 moves their read position there too.
async fn follow(
    tx: &mut WriteTx,
    user_id: UserId,
    room_id: RoomId,
    root: Seq,
    join: Join,
    read_seq: Seq,
) -> Result<(), StoreError> {
    let on_conflict = match join {
        Join::Keep => "DO NOTHING",
        Join::Follow if read_seq > Seq::ZERO => "DO UPDATE SET following = 1, read_seq = excluded.read_seq",
        Join::Follow => "DO UPDATE SET following = 1",
    };
    sqlx::query(&format!(
        "INSERT INTO thread_follows (user_id, room_id, root_seq, following, read_seq) VALUES ($1, $2, $3, 1, $4)
         ON CONFLICT (user_id, room_id, root_seq) {on_conflict}"
    ))
    .bind(user_id)
    .bind(room_id)
    .bind(root)
    .bind(read_seq)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
