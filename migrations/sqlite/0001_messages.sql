-- Rooms and their messages. Each message has a per-room sequence number assigned by the
-- server (1, 2, 3 ... with no gaps) and the sender's client_id, unique per room, which makes
-- a retried send idempotent.
CREATE TABLE rooms (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    room_id     INTEGER NOT NULL REFERENCES rooms (id),
    seq         INTEGER NOT NULL,
    client_id   TEXT    NOT NULL,
    -- Display name at the time of sending; accounts will add an author_id beside it.
    author      TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    -- Milliseconds since the Unix epoch, server clock.
    created_at  INTEGER NOT NULL,
    UNIQUE (room_id, seq),
    UNIQUE (room_id, client_id)
);

INSERT INTO rooms (name, created_at) VALUES ('general', CAST(unixepoch('subsec') * 1000 AS INTEGER));
