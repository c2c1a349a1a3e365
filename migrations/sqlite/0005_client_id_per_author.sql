-- A client_id is unique per author in a room, not per room: another person sending the same
-- id is a new message, never an "ack" of yours. SQLite cannot drop a UNIQUE constraint, so the
-- table is rebuilt without UNIQUE (room_id, client_id) and an index takes its place. Messages
-- from before accounts (no author_id) count as one author.
CREATE TABLE messages_new (
    id          INTEGER PRIMARY KEY,
    room_id     INTEGER NOT NULL REFERENCES rooms (id),
    seq         INTEGER NOT NULL,
    client_id   TEXT    NOT NULL,
    author      TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    author_id   INTEGER REFERENCES users (id),
    UNIQUE (room_id, seq)
);

INSERT INTO messages_new (id, room_id, seq, client_id, author, body, created_at, author_id)
    SELECT id, room_id, seq, client_id, author, body, created_at, author_id FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;

CREATE UNIQUE INDEX messages_by_author_client_id ON messages (room_id, IFNULL(author_id, 0), client_id);
