-- Bot accounts: an account that belongs to a person (`bot_owner_id`), signs in with a token
-- (`Authorization: Bearer`), never a password (its hash is "!", which no password matches).
-- Its token is a row of `sessions` like a browser's, stored as a SHA-256 only, that does not
-- expire: rotating or revoking deletes it, which ends the bot's sockets as a sign-out does.
ALTER TABLE users ADD COLUMN bot_owner_id INTEGER REFERENCES users (id) ON DELETE CASCADE;
CREATE INDEX users_bot_owner ON users (bot_owner_id);
