//! The words SQLite's search index holds, listed beside it, so that a search word can be
//! asked as the whole words it begins.
//!
//! Why: FTS5 reads a prefix longer than its prefix indexes (2 and 3 characters) by merging
//! the postings of every word with that prefix into one list before it returns the first
//! match, so a word in nearly every message cost a read of all of them: 27 ms at a million
//! messages, growing with the history ("Resuming and searching as the history grows" in
//! docs/benchmarks.md). The same words asked as exact terms joined by `OR` are read newest
//! first and stop when the page is full (0.1 ms). So a search word longer than the prefix
//! indexes is looked up in the list first; when it begins at most [`MAX_EXPANSION`] words, it
//! is asked as those; when it begins none, nothing can match. When it begins more, the search
//! is asked as several, each with [`MAX_EXPANSION`] of those words, and their newest matches
//! merged: at most [`MAX_ALTERNATIVES`] searches, so up to 1,024 words, each reading only the
//! newest matches where the prefix read every match (a prefix of about eighty words: 7 ms at a
//! million messages as a prefix, 3.8 ms as two searches). Only a word beginning more than that
//! is asked as a prefix.
//!
//! The listed words are FTS5's own, not cut here: its tokenizer splits at combining marks
//! other than accents and folds case from its own tables, and a word missing from the list
//! would be a message never found. So every indexed message also goes into a small index with
//! the same tokenizer (`message_search_fresh`, migration 0043) whose vocabulary is cheap to
//! read while it is small; at every [`FRESH_MESSAGES`]th message its words move into
//! `message_search_words` and it is emptied, in the transaction of that message.
//! A search reads both. The list only grows: a word edited away stays listed, and asking for
//! it finds nothing. PostgreSQL needs none of this: its word index reads a prefix newest first.

use crate::server::search::query::SearchQuery;
use crate::server::storage::store::{Store, StoreError, WriteTx};

/// Most whole words one search word is asked as in one search. Sixty-four exact terms cost
/// FTS5 under a millisecond at a million messages.
pub const MAX_EXPANSION: usize = 64;
/// Most searches one search is split into when its words begin more than [`MAX_EXPANSION`]
/// words each; a word beginning more than fit is asked as a prefix.
pub const MAX_ALTERNATIVES: usize = 16;
/// Messages the small index holds before its words move into the list (every this many
/// message ids).
pub const FRESH_MESSAGES: i64 = 1_000;

/// The listed words in `[$1, $2)`, from the list and the small index.
const WORDS_BETWEEN: &str = "SELECT word FROM message_search_words WHERE word >= $1 AND word < $2
     UNION SELECT term FROM message_search_fresh_vocab WHERE term >= $1 AND term < $2
     LIMIT $3";

impl Store {
    /// Put message `id`'s indexed text `text` into the index and note its words (inside the
    /// transaction that stores it; SQLite only). One statement for both: each statement is a
    /// round trip to the database's thread (with a statement of its own and a counter row the
    /// list cost 62 µs a message in `make bench-search`; as one, 42 µs).
    pub(crate) async fn index_and_note_words(
        tx: &mut WriteTx,
        id: i64,
        text: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO message_search (rowid, body) VALUES ($1, $2);
             INSERT INTO message_search_fresh (rowid, body) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(text)
        .execute(&mut **tx)
        .await?;
        Store::move_fresh_words_if_due(tx, id).await
    }

    /// At every [`FRESH_MESSAGES`]th message id (with text or without), move the small
    /// index's words into the list and empty it. Ids come from one counter without gaps, so
    /// the small index holds about that many messages.
    pub(crate) async fn move_fresh_words_if_due(tx: &mut WriteTx, id: i64) -> Result<(), StoreError> {
        if id % FRESH_MESSAGES != 0 {
            return Ok(());
        }
        sqlx::query(
            "INSERT OR IGNORE INTO message_search_words (word) SELECT term FROM message_search_fresh_vocab;
             INSERT INTO message_search_fresh (message_search_fresh) VALUES ('delete-all')",
        )
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// List the index's words when the list is empty and the index is not: a database from
    /// before the list, or one whose list was lost. Returns how many words were listed.
    pub(crate) async fn list_missing_words(&self) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        // SQLite answers a condition as an integer.
        let missing: i64 = sqlx::query_scalar(
            "SELECT NOT EXISTS (SELECT 1 FROM message_search_words)
                AND NOT EXISTS (SELECT 1 FROM message_search_fresh_vocab)
                AND EXISTS (SELECT 1 FROM message_search_docsize)",
        )
        .fetch_one(&mut *tx)
        .await?;
        if missing == 0 {
            return Ok(0);
        }
        let listed = sqlx::query(
            "INSERT OR IGNORE INTO message_search_words (word) SELECT term FROM message_search_vocab",
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(listed)
    }

    /// The FTS5 `MATCH` expressions for `query`, whose matches together are the search's:
    /// one, but for a word beginning more than [`MAX_EXPANSION`] words, which is asked as each
    /// [`MAX_EXPANSION`] of them in turn (at most [`MAX_ALTERNATIVES`] expressions in all).
    /// A word longer than the prefix indexes is asked as the whole words it begins where
    /// they fit; none when a word begins no word the index holds, so nothing can match.
    pub(crate) async fn fts_match(&self, query: &SearchQuery) -> Result<Vec<String>, StoreError> {
        // Each word asked as whole words, with its words in groups of `MAX_EXPANSION`.
        let mut expanded: Vec<(&str, Vec<Vec<String>>)> = Vec::new();
        let mut alternatives = 1;
        for word in query.long_words() {
            let words: Vec<String> = sqlx::query_scalar(WORDS_BETWEEN)
                .bind(word)
                .bind(successor(word))
                .bind(i64::try_from(MAX_EXPANSION * MAX_ALTERNATIVES + 1).unwrap_or(i64::MAX))
                .fetch_all(self.pool())
                .await?;
            if words.is_empty() {
                return Ok(Vec::new());
            }
            // A word FTS5 holds with other than ASCII letters and digits might not read back
            // as itself inside quotes: that prefix is asked as a prefix.
            let plain = words.iter().all(|w| w.bytes().all(|b| b.is_ascii_alphanumeric()));
            let groups = words.len().div_ceil(MAX_EXPANSION);
            if plain && alternatives * groups <= MAX_ALTERNATIVES {
                alternatives *= groups;
                expanded.push((word, words.chunks(MAX_EXPANSION).map(<[String]>::to_vec).collect()));
            }
        }
        // Every choice of one group per word.
        let mut choices: Vec<Vec<(&str, Vec<String>)>> = vec![Vec::new()];
        for (word, groups) in &expanded {
            choices = choices
                .into_iter()
                .flat_map(|chosen| {
                    groups.iter().map(move |group| {
                        let mut chosen = chosen.clone();
                        chosen.push((*word, group.clone()));
                        chosen
                    })
                })
                .collect();
        }
        Ok(choices.iter().map(|chosen| query.fts_with(chosen)).collect())
    }
}

/// The first string after every string that begins with `word` (ASCII letters and digits).
fn successor(word: &str) -> String {
    let mut bytes = word.as_bytes().to_vec();
    if let Some(last) = bytes.last_mut() {
        *last += 1;
    }
    // Still ASCII: a letter or digit plus one is `{`, `[` or `:` at most.
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::successor;

    #[test]
    fn the_successor_bounds_exactly_the_words_a_prefix_begins() {
        assert_eq!(successor("lunch"), "lunci");
        assert_eq!(successor("fizz"), "fiz{");
        assert_eq!(successor("ab9"), "ab:");
        assert!("lunchbox" < successor("lunch").as_str() && "lunci" >= successor("lunch").as_str());
    }
}
