-- Read receipts: whether a person tells others how far they have read (and so is told
-- theirs). On by default, as in Zulip; a receipt itself is a `message_events` row of kind
-- `read` whose `target_seq` is the newest message by someone else the reader has passed.
ALTER TABLE users ADD COLUMN read_receipts BIGINT NOT NULL DEFAULT 1;
