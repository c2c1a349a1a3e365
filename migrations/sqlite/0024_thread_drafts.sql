-- A draft per thread too: what a person typed in a thread's composer is kept apart from what
-- they typed in the room's (`thread_root` 0 is the room's own composer). Sending a reply in
-- a thread clears that thread's draft.
CREATE TABLE drafts_by_thread (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id     INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    thread_root INTEGER NOT NULL DEFAULT 0,
    body        TEXT    NOT NULL,
    reply_to    INTEGER,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, room_id, thread_root)
);
INSERT INTO drafts_by_thread (user_id, room_id, thread_root, body, reply_to, updated_at)
    SELECT user_id, room_id, 0, body, reply_to, updated_at FROM drafts;
DROP TABLE drafts;
ALTER TABLE drafts_by_thread RENAME TO drafts;
