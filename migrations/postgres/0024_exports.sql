-- Archives of a person's data, or of one room for an administrator, made in the background
-- (`server::exports`). Only `user_id` may download one; kept 7 days.
CREATE TABLE exports (
    id          TEXT    PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id     BIGINT  REFERENCES rooms (id) ON DELETE CASCADE,
    state       TEXT    NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
    done_items  BIGINT  NOT NULL DEFAULT 0,
    total_items BIGINT  NOT NULL DEFAULT 0,
    size        BIGINT,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX exports_by_user ON exports (user_id, created_at);
