-- What a person has typed and not sent in a room, kept for their other devices and the next
-- visit: one row per person and room. Sending a message in the room clears it (in the
-- message's own transaction).
CREATE TABLE drafts (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id     BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    body        TEXT    NOT NULL,
    reply_to    BIGINT,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, room_id)
);
