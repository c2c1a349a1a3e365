-- People a person blocked. A conversation between two people is closed while either blocks the
-- other: `rooms.closed` says so under the room's row lock, so the sequencer's commit (which
-- holds that lock) sees a block the moment it commits.
CREATE TABLE blocks (
    blocker_id INTEGER NOT NULL REFERENCES users (id),
    blocked_id INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
CREATE INDEX blocks_blocked ON blocks (blocked_id);
ALTER TABLE rooms ADD COLUMN closed INTEGER NOT NULL DEFAULT 0;
