-- Who follows which thread, and how far they have read it. A row is made when a person starts
-- a thread (their message gets its first reply), replies in it or is mentioned in it, or
-- follows it by hand; unfollowing keeps the row (`following` = 0) so that the next reply does
-- not follow them again. `read_seq`: the last reply they have seen.
CREATE TABLE thread_follows (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id     INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    root_seq    INTEGER NOT NULL,
    following   INTEGER NOT NULL,
    read_seq    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, room_id, root_seq)
);
CREATE INDEX thread_follows_thread ON thread_follows (room_id, root_seq);
