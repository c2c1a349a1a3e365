-- Edits and deletions. The message row always holds the current state (a deleted one keeps
-- no text: body and html are emptied); each change also takes the room's next seq as an event
-- here, so a client resuming after a seq learns what changed in messages it already holds.
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted_at INTEGER;

CREATE TABLE message_events (
    room_id     INTEGER NOT NULL REFERENCES rooms (id),
    seq         INTEGER NOT NULL,
    -- The message changed.
    target_seq  INTEGER NOT NULL,
    -- edit or delete
    kind        TEXT    NOT NULL,
    actor_id    INTEGER REFERENCES users (id),
    -- The actor's id for this change: a retried edit or delete is applied once.
    client_id   TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (room_id, seq)
);
CREATE UNIQUE INDEX message_events_by_client ON message_events (room_id, IFNULL(actor_id, 0), client_id);
CREATE INDEX message_events_by_target ON message_events (room_id, target_seq);

-- Every deletion of someone else's message by a room's moderator: who, what, when.
CREATE TABLE moderation_log (
    id               INTEGER PRIMARY KEY,
    room_id          INTEGER NOT NULL REFERENCES rooms (id),
    actor_id         INTEGER NOT NULL REFERENCES users (id),
    action           TEXT    NOT NULL,
    target_seq       INTEGER NOT NULL,
    target_author_id INTEGER REFERENCES users (id),
    created_at       INTEGER NOT NULL
);
