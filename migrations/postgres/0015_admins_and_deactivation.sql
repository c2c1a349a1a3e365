-- Server administrators kept in the database (`banter admin grant-admin`), beside `--admins`,
-- which seeds them at start.
ALTER TABLE users ADD COLUMN admin BIGINT NOT NULL DEFAULT 0;
-- A deactivated account signs in nowhere and has no sessions; its messages stay.
ALTER TABLE users ADD COLUMN deactivated_at BIGINT;
-- Each node looks for recent deactivations every second (`server::accounts::deactivation`).
CREATE INDEX users_by_deactivation ON users (deactivated_at);
