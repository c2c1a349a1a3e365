-- Incoming webhooks: a secret URL (`/hooks/<token>`) that posts into one room as the
-- webhook's own bot account (`bot_id`, a member of the room). The token is stored as a
-- SHA-256 only; revoking clears it (the URL then answers 404) and keeps the row, so the bot
-- stays a webhook's and never shows among its maker's own bots.
CREATE TABLE incoming_hooks (
    id BIGSERIAL PRIMARY KEY,
    room_id BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    bot_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BYTEA UNIQUE,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX incoming_hooks_room ON incoming_hooks (room_id);
CREATE INDEX incoming_hooks_bot ON incoming_hooks (bot_id);
-- A message posted with a name of its own (a webhook's `username`): `author` is that name and
-- `via` the bot's display name, shown as "via …".
ALTER TABLE messages ADD COLUMN via TEXT;
