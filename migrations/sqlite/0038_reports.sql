-- Messages reported to a room's moderators (a conversation's: the administrators). One open
-- report per person per message; resolved ones are kept, with who resolved them and how.
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    room_id     INTEGER NOT NULL REFERENCES rooms (id),
    seq         INTEGER NOT NULL,
    reporter_id INTEGER NOT NULL REFERENCES users (id),
    reason      TEXT    NOT NULL,
    note        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by INTEGER REFERENCES users (id),
    outcome     TEXT
);
CREATE UNIQUE INDEX reports_one_open_per_person ON reports (room_id, seq, reporter_id) WHERE resolved_at IS NULL;
CREATE INDEX reports_open ON reports (room_id) WHERE resolved_at IS NULL;
