-- Archives of a person's data, or of one room for an administrator, made in the background
-- (`server::exports`). Only `user_id` may download one; kept 7 days.
CREATE TABLE exports (
    id          TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    room_id     INTEGER REFERENCES rooms (id),
    state       TEXT    NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
    done_items  INTEGER NOT NULL DEFAULT 0,
    total_items INTEGER NOT NULL DEFAULT 0,
    size        INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX exports_by_user ON exports (user_id, created_at);
