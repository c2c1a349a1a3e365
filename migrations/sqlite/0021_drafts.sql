-- What a person has typed and not sent in a room, kept for their other devices and the next
-- visit: one row per person and room. Sending a message in the room clears it (in the
-- message's own transaction).
CREATE TABLE drafts (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id     INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    body        TEXT    NOT NULL,
    reply_to    INTEGER,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, room_id)
);
