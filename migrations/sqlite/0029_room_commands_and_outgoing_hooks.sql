-- A room's own slash commands: `/name` sends the command to `url`, signed with `secret`
-- (HMAC-SHA256, kept readable: the room's moderators copy it into their handler). What the
-- handler answers for the whole room is posted as the command's bot (`bot_id`, a member).
CREATE TABLE room_commands (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    bot_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (room_id, name)
);
-- Accounts made to speak for a webhook or a command: bots, but none their maker manages on
-- the profile. Kept after the integration is gone, so old messages keep their author.
CREATE TABLE integration_bots (user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE);
INSERT INTO integration_bots (user_id) SELECT bot_id FROM incoming_hooks;
-- A room's outgoing webhooks: each new message of the room (or only those whose first word is
-- one of `triggers`, space-separated) is POSTed to `url`, signed with `secret`.
CREATE TABLE outgoing_hooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    triggers TEXT NOT NULL DEFAULT '',
    secret TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    last_status INTEGER,
    last_at INTEGER
);
CREATE INDEX outgoing_hooks_room ON outgoing_hooks (room_id);
