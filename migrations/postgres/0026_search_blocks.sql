-- The word index by blocks of message ids (`server::search::index`): each word of a message is
-- kept as `<block>_<word>`, where the block is the message's id divided by 32,768, so that a
-- search asks the index about one block at a time. GIN keeps no order: any question it answers
-- first gathers every match it holds, so a word absent from the newest messages but in most
-- older ones cost a bitmap of all of them (270–330 ms at a million messages). Asked block by
-- block from the newest, a search reads at most one block's matches past those it returns,
-- and an empty block costs one lookup.

-- The block a message id belongs to: the one place its size is set.
CREATE FUNCTION banter_search_block(id BIGINT) RETURNS BIGINT
    LANGUAGE SQL IMMUTABLE PARALLEL SAFE
    AS $$ SELECT id >> 15 $$;

-- `terms` (a message's words, with their positions) as the index keeps them for message `id`.
CREATE FUNCTION banter_search_terms(id BIGINT, terms TSVECTOR) RETURNS TSVECTOR
    LANGUAGE SQL IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT COALESCE(string_agg(
            '''' || banter_search_block(id) || '_' || replace(replace(lexeme, '\', '\\'), '''', '''''') || ''''
                || COALESCE(':' || array_to_string(positions, ','), ''),
            ' '), '')::TSVECTOR
        FROM unnest(terms)
    $$;

-- `query` (a search, as `to_tsquery` reads it) asked of the messages of `block` alone.
CREATE FUNCTION banter_search_query(block BIGINT, query TSQUERY) RETURNS TSQUERY
    LANGUAGE SQL IMMUTABLE PARALLEL SAFE
    AS $$ SELECT regexp_replace(query::TEXT, '''((?:[^'']|'''')*)''', '''' || block || '_\1''', 'g')::TSQUERY $$;

-- Without GIN's pending list (`fastupdate`): new words go straight into the index instead of
-- a list that every lookup reads in full until it is merged, up to 4 MB; a search that asks
-- the index once per block would read it once per block (1.4 ms a lookup with 5,000 messages
-- pending, 0.1 ms without).
DROP INDEX message_search_terms;
UPDATE message_search SET terms = banter_search_terms(id, terms);
CREATE INDEX message_search_terms ON message_search USING GIN (terms) WITH (fastupdate = off);
