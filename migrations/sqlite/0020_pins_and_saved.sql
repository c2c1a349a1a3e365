-- Pinned messages: the message row holds its pin (when and by whom), like its edit and its
-- deletion; each pin and unpin is also an event in `message_events` (kind `pin`), so a client
-- that was away catches up. At most `MAX_PINS_PER_ROOM` per room, counted through the index.
ALTER TABLE messages ADD COLUMN pinned_at INTEGER;
ALTER TABLE messages ADD COLUMN pinned_by INTEGER REFERENCES users (id);
CREATE INDEX messages_pinned ON messages (room_id, pinned_at) WHERE pinned_at IS NOT NULL;

-- Saved messages: a person's own bookmarks, private to them, not events of the room. Listed
-- newest first by `id` (several can be saved in one millisecond).
CREATE TABLE saved_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id     INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (user_id, room_id, seq)
);
CREATE INDEX saved_messages_newest ON saved_messages (user_id, id);
