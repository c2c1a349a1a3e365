-- Every word the search index holds or has held, so that a search word longer than the prefix
-- indexes (2 and 3 characters) can be asked as the few whole words it begins: FTS5 reads such
-- a prefix by merging the postings of all its words before returning the first match.
-- The words are FTS5's own (`server::search::vocabulary`): each indexed message also goes into
-- `message_search_fresh`, a small index with the same tokenizer that keeps no positions;
-- at every 1,000th message id its words are moved into `message_search_words` and it is emptied.
-- A database from before this migration gets its list from the index when the server starts.
CREATE TABLE message_search_words (word TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE message_search_fresh USING fts5(
    body,
    content = '',
    detail = none,
    columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2'
);
-- The words of each index, as FTS5 lists them.
CREATE VIRTUAL TABLE message_search_fresh_vocab USING fts5vocab(message_search_fresh, row);
CREATE VIRTUAL TABLE message_search_vocab USING fts5vocab(message_search, row);
