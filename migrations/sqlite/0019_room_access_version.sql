-- Each room's count of removals, bumped in the removal's own transaction under the room's row
-- lock (the one `seq` is given out under). Every event carries the count its commit saw, so a
-- node that has not yet heard of a removal committed before an event knows to check its
-- sockets' membership before delivering it (`server::sequencer`).
ALTER TABLE rooms ADD COLUMN access_version INTEGER NOT NULL DEFAULT 0;
