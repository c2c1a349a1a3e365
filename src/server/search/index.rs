//! Full-text search in the store: keeping the index in step with messages, and asking it.
//!
//! On SQLite the index (`message_search`, FTS5, migration 0012) holds no text of its own; its
//! rowid is the message's id. On PostgreSQL `message_search` holds each message's words as a
//! `tsvector` under a GIN index, keyed by the message's id too, each word as
//! `<block>_<word>` where the block is a range of [`SEARCH_BLOCK`] ids (migration 0026): GIN
//! keeps no order and gathers every match before it answers, so it is asked about one block at a
//! time, newest first. The statements that touch it are the only ones in the store written
//! twice, side by side below. It is written in the same transaction as the message: posted means
//! findable, and an edit or deletion takes the old words out before the commit, so text that
//! was edited away or deleted is never found. Membership is part of the query itself: a
//! result comes only from a room the person is a member of now.

use crate::ids::{RoomId, RoomName, Seq, UserId, Username};
use sqlx::Row;

use crate::server::search::query::{SearchQuery, index_text, index_words};
use crate::server::storage::store::{Backend, Store, StoreError};

/// How far back (in messages, newest first) each step of a search on SQLite looks before
/// looking further; the last step looks at everything older.
pub const SEARCH_WINDOWS: [i64; 3] = [10_000, 100_000, 1_000_000];
/// How many of the newest message ids a search on PostgreSQL walks, testing each message's
/// words, before it asks the word index about everything older, block by block ([`Reading`]).
/// A word in more than one message in 33 fills its page here; a rarer one costs the index at
/// most a thousand matches in this block. Walking costs every id: with 10,000, a word found
/// nowhere lately took 4 ms here against 0.5 ms (docs/benchmarks.md, "Cost curves").
pub const POSTGRES_NEWEST_WALK: i64 = 1_000;
/// Message ids per block of PostgreSQL's word index: what `banter_search_block` (migration
/// 0026) divides an id by, which is where it is set. A search past its newest walk reads at
/// most one block's matches beyond those it returns.
pub const SEARCH_BLOCK: i64 = 1 << 15;
// The newest walk is tested against the search in its first and last blocks only.
const _: () = assert!(POSTGRES_NEWEST_WALK <= SEARCH_BLOCK);
/// Messages indexed per statement when catching up at start.
pub const BACKFILL_BATCH: i64 = 5_000;

/// PostgreSQL's search statement: the messages of `$matches` (a subquery of `message_search`
/// ids that match, as a window's [`Reading`] finds them) in the person's rooms, newest first,
/// between `$before` and `$after`; the parameters are those of [`Store::search_between`]'s
/// statement.
macro_rules! postgres_search {
    ($before:literal, $matches:literal, $after:literal) => {
        concat!(
            $before,
            "SELECT m.id, r.name AS room, m.seq, m.thread_root, m.author, COALESCE(u.username, '') AS username,
                    m.body, m.created_at
             FROM ",
            $matches,
            " s
             JOIN messages m ON m.id = s.id
             JOIN room_members rm ON rm.room_id = m.room_id AND rm.user_id = $1
             JOIN rooms r ON r.id = m.room_id
             LEFT JOIN users u ON u.id = m.author_id
             WHERE ($5::BIGINT IS NULL OR m.room_id = $6)
               AND ($7::TEXT IS NULL OR u.username = $8)
               AND m.deleted_at IS NULL
             ORDER BY s.id DESC LIMIT $9",
            $after
        )
    };
}

/// How one window of a search reads the matches on PostgreSQL (SQLite's FTS5 always reads
/// them from its index, newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// Walk the window's ids from the newest, testing each message's words.
    NewestIds,
    /// Ask the word index for each block's matches in the window, newest block first, and
    /// sort each block's; stop at the first blocks that fill the page.
    Blocks,
}

/// A message that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The message's id in the store: where the next page of results starts.
    pub id: i64,
    pub room: RoomName,
    pub seq: Seq,
    /// The thread it is a reply in (its root), if it is.
    pub thread_root: Option<Seq>,
    pub author: String,
    pub username: Username,
    pub body: String,
    pub ts: i64,
}

/// What narrows a search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFilter {
    /// Only this room (its id).
    pub room_id: Option<RoomId>,
    /// Only messages by this username.
    pub author: Option<String>,
    /// Only messages older than this one (its id): the next page.
    pub before: Option<i64>,
}

impl Store {
    /// Put message `id`'s text into the index (inside the transaction that stores it).
    pub(crate) async fn index_message(
        tx: &mut crate::server::storage::store::WriteTx,
        id: i64,
        body: &str,
    ) -> Result<(), StoreError> {
        if body.trim().is_empty() {
            if Backend::of(tx) == Backend::Sqlite {
                Store::move_fresh_words_if_due(tx, id).await?;
            }
            return Ok(());
        }
        let insert = match Backend::of(tx) {
            Backend::Postgres => sqlx::query(
                "INSERT INTO message_search (id, terms) VALUES ($1, banter_search_terms($1, to_tsvector('simple', $2)))",
            )
            .bind(id)
            .bind(index_words(body)),
            Backend::Sqlite => return Store::index_and_note_words(tx, id, &index_text(body)).await,
        };
        insert.execute(&mut **tx).await?;
        Ok(())
    }

    /// Take message `seq`'s words out of the index (before an edit or a deletion).
    pub(crate) async fn unindex_message(
        tx: &mut crate::server::storage::store::WriteTx,
        room_id: RoomId,
        seq: Seq,
    ) -> Result<Option<i64>, StoreError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM messages WHERE room_id = $1 AND seq = $2")
            .bind(room_id)
            .bind(seq)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(id) = id {
            let delete = match Backend::of(tx) {
                Backend::Postgres => "DELETE FROM message_search WHERE id = $1",
                Backend::Sqlite => "DELETE FROM message_search WHERE rowid = $1",
            };
            sqlx::query(delete).bind(id).execute(&mut **tx).await?;
        }
        Ok(id)
    }

    /// Index the messages stored before the index existed (or by an older server). Returns
    /// how many were indexed. Runs at start; cheap when there is nothing to do.
    pub async fn backfill_search(&self) -> Result<u64, StoreError> {
        let indexed = match self.backend() {
            Backend::Postgres => "SELECT COALESCE(MAX(id), 0) FROM message_search",
            Backend::Sqlite => "SELECT COALESCE(MAX(rowid), 0) FROM message_search",
        };
        let mut after: i64 = sqlx::query_scalar(indexed).fetch_one(self.pool()).await?;
        let mut total = 0;
        loop {
            let mut tx = self.begin().await?;
            let rows = sqlx::query(
                "SELECT id, body FROM messages WHERE id > $1 AND deleted_at IS NULL AND body <> ''
                 ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(BACKFILL_BATCH)
            .fetch_all(&mut *tx)
            .await?;
            let Some(last) = rows.last() else { return Ok(total) };
            after = last.try_get("id")?;
            for row in &rows {
                Store::index_message(&mut tx, row.try_get("id")?, row.try_get("body")?).await?;
            }
            tx.commit().await?;
            total += rows.len() as u64;
        }
    }

    /// Bytes the index's own pages hold (its shadow tables' data): what search costs on disk.
    pub async fn search_index_bytes(&self) -> Result<i64, StoreError> {
        let size = match self.backend() {
            Backend::Postgres => "SELECT pg_total_relation_size('message_search')",
            Backend::Sqlite => {
                "SELECT (SELECT COALESCE(SUM(length(block)), 0) FROM message_search_data)
                  + (SELECT COALESCE(SUM(length(term)) + 16 * COUNT(*), 0) FROM message_search_idx)
                  + (SELECT COALESCE(SUM(length(sz)) + 8 * COUNT(*), 0) FROM message_search_docsize)
                  + (SELECT COALESCE(SUM(length(word)), 0) FROM message_search_words)"
            }
        };
        Ok(sqlx::query_scalar(size).fetch_one(self.pool()).await?)
    }

    /// Messages in `user_id`'s rooms that match, newest first, at most `limit`.
    ///
    /// On SQLite a word longer than the prefix indexes is asked as the whole words it begins
    /// where they are few (`server::search::vocabulary`), which FTS5 reads newest first.
    /// Searched in widening windows of the newest messages ([`SEARCH_WINDOWS`]): reading a
    /// prefix's matches newest first means FTS5 decodes every match it holds, so it is
    /// asked about the last ten thousand messages first, and further back only when those do
    /// not fill the page. On PostgreSQL the newest [`POSTGRES_NEWEST_WALK`] ids are walked
    /// and everything older is read through the word index, block by block ([`Reading`]).
    pub async fn search(
        &self,
        user_id: UserId,
        query: &SearchQuery,
        filter: &SearchFilter,
        limit: usize,
    ) -> Result<Vec<Found>, StoreError> {
        // The search as the backend's match expressions, whose matches together are its own.
        let alternatives = match self.backend() {
            Backend::Sqlite => self.fts_match(query).await?,
            Backend::Postgres => vec![query.tsquery()],
        };
        if alternatives.is_empty() {
            return Ok(Vec::new());
        }
        let newest: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM messages").fetch_one(self.pool()).await?;
        let mut upper = filter.before.unwrap_or(i64::MAX).min(newest + 1);
        // Each step: how far back it looks (None: to the start) and how it reads.
        let steps: &[(Option<i64>, Reading)] = match self.backend() {
            Backend::Sqlite => &[
                (Some(SEARCH_WINDOWS[0]), Reading::NewestIds),
                (Some(SEARCH_WINDOWS[1]), Reading::NewestIds),
                (Some(SEARCH_WINDOWS[2]), Reading::NewestIds),
                (None, Reading::NewestIds),
            ],
            Backend::Postgres => &[(Some(POSTGRES_NEWEST_WALK), Reading::NewestIds), (None, Reading::Blocks)],
        };
        let mut found = Vec::new();
        for &(window, reading) in steps {
            let lower = window.map_or(0, |w| upper.saturating_sub(w).max(0));
            let want = limit - found.len();
            let mut here = Vec::new();
            for terms in &alternatives {
                here.extend(
                    self.search_between(user_id, terms, filter, (lower, upper), reading, want).await?,
                );
            }
            // Newest first, once each (a message may match several alternatives), the page's
            // worth.
            here.sort_by_key(|found| std::cmp::Reverse(found.id));
            here.dedup_by_key(|found| found.id);
            here.truncate(want);
            found.extend(here);
            if found.len() >= limit || lower == 0 {
                break;
            }
            upper = lower + 1;
        }
        Ok(found)
    }

    /// [`Store::search`] over messages with `lower < id < upper`, read as `reading` says;
    /// `terms` is the search as the backend's match expression.
    async fn search_between(
        &self,
        user_id: UserId,
        terms: &str,
        filter: &SearchFilter,
        (lower, upper): (i64, i64),
        reading: Reading,
        limit: usize,
    ) -> Result<Vec<Found>, StoreError> {
        let sql = match self.backend() {
            // CROSS JOIN keeps the index as the outer loop: it yields matches newest first, and
            // the rest is looked up for those only.
            Backend::Sqlite => {
                "SELECT m.id, r.name AS room, m.seq, m.thread_root, m.author, COALESCE(u.username, '') AS username, m.body,
                        m.created_at
                 FROM message_search s
                 CROSS JOIN messages m ON m.id = s.rowid
                 CROSS JOIN room_members rm ON rm.room_id = m.room_id AND rm.user_id = $1
                 CROSS JOIN rooms r ON r.id = m.room_id
                 LEFT JOIN users u ON u.id = m.author_id
                 WHERE message_search MATCH $2 AND s.rowid > $3 AND s.rowid < $4
                   AND ($5 IS NULL OR m.room_id = $6)
                   AND ($7 IS NULL OR u.username = $8)
                   AND m.deleted_at IS NULL
                 ORDER BY s.rowid DESC LIMIT $9"
            }
            // The newest ids are walked backwards, each message's words tested (`ts_match_vq`
            // is `@@` as a function, which no index serves) against the search in the walk's
            // blocks (at most two, as the walk is shorter than a block, and made once): at
            // most `POSTGRES_NEWEST_WALK` rows, and a common word's page fills in its first
            // rows. Older messages are asked of the GIN index only (`s.id + 0` serves neither
            // the range nor the order from the primary key), one block at a time from the
            // newest (a lateral join, which stops at the outer LIMIT): a rare word far back is
            // one lookup per block, and a word everywhere long ago reads one block's matches.
            // A block's matches are sorted by id before they are joined to their messages
            // (`OFFSET 0` keeps the planner from merging the two), so only the page's worth is
            // looked up: joined first, a block of 15,000 matches took 68 ms instead of 9.
            // Left to choose, the planner walked the ids for a rare word too, testing every
            // message (770 ms at a million); asked of the whole index, a word in every old
            // message built a bitmap of all of them (270–330 ms; "Cost curves" in
            // docs/benchmarks.md).
            Backend::Postgres => match reading {
                Reading::NewestIds => postgres_search!(
                    "",
                    "(SELECT id FROM message_search
                      WHERE ts_match_vq(terms, (SELECT banter_search_query(banter_search_block($3 + 1), to_tsquery('simple', $2))
                                || banter_search_query(banter_search_block($4 - 1), to_tsquery('simple', $2))))
                        AND id > $3 AND id < $4)",
                    ""
                ),
                Reading::Blocks => postgres_search!(
                    "SELECT found.* FROM generate_series(banter_search_block($4 - 1), banter_search_block($3 + 1), -1)
                         AS b(block)
                     CROSS JOIN LATERAL (",
                    "(SELECT id + 0 AS id FROM message_search
                      WHERE terms @@ banter_search_query(b.block, to_tsquery('simple', $2))
                        AND id + 0 > $3 AND id + 0 < $4
                      ORDER BY id + 0 DESC OFFSET 0)",
                    ") found LIMIT $9"
                ),
            },
        };
        let rows = sqlx::query(sql)
            .bind(user_id)
            .bind(terms)
            .bind(lower)
            .bind(upper)
            .bind(filter.room_id)
            .bind(filter.room_id)
            .bind(filter.author.as_deref())
            .bind(filter.author.as_deref())
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(self.pool())
            .await?;
        let found = |row: &sqlx::any::AnyRow| -> Result<Found, sqlx::Error> {
            Ok(Found {
                id: row.try_get("id")?,
                room: row.try_get("room")?,
                seq: row.try_get("seq")?,
                thread_root: row.try_get("thread_root")?,
                author: row.try_get("author")?,
                username: row.try_get("username")?,
                body: row.try_get("body")?,
                ts: row.try_get("created_at")?,
            })
        };
        Ok(rows.iter().map(found).collect::<Result<_, _>>()?)
    }
}
