-- People a person blocked. A conversation between two people is closed while either blocks the
-- other: `rooms.closed` says so under the room's row lock, so the sequencer's commit (which
-- holds that lock) sees a block the moment it commits.
CREATE TABLE blocks (
    blocker_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
CREATE INDEX blocks_blocked ON blocks (blocked_id);
ALTER TABLE rooms ADD COLUMN closed BIGINT NOT NULL DEFAULT 0;
