-- How long a room keeps its history, in days: NULL follows the server's `--retention-days`,
-- 0 keeps it for ever. Set by an administrator (`banter admin retention`).
ALTER TABLE rooms ADD COLUMN retention_days BIGINT;
