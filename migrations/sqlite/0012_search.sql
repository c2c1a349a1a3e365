-- Full-text search over each message's current text. The index keeps no copy of the text
-- (content=''): results are read back from `messages`, and the rowid is `messages.id`.
-- Accents are folded (café finds cafe and the reverse). Every search word is a prefix
-- (`lun` finds lunch); prefix indexes of 2 and 3 characters keep short prefixes from
-- expanding into thousands of words at query time. The server writes CJK text into the
-- index one character per token, so any run of CJK characters is found as a phrase: substring
-- search for text with no spaces between words. Messages stored before this migration are
-- indexed by the server when it starts (`server::search::backfill`).
CREATE VIRTUAL TABLE message_search USING fts5(
    body,
    content = '',
    contentless_delete = 1,
    prefix = '2 3',
    tokenize = 'unicode61 remove_diacritics 2'
);
