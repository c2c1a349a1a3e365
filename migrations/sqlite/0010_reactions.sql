-- Reactions: who reacted to which message with which emoji. Each toggle is also an event in
-- message_events (kind 'react'), so a resuming client learns the message's current reactions.
CREATE TABLE reactions (
    room_id     INTEGER NOT NULL REFERENCES rooms (id),
    target_seq  INTEGER NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    emoji       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (room_id, target_seq, emoji, user_id)
);
