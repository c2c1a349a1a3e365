-- Notification levels: each member's choice for each room (NULL: the default for the room's
-- kind, `crate::notifications::NotifyLevel::default_for`), and each person's "do not
-- disturb" until a time (ms since the Unix epoch; NULL or past: off).
ALTER TABLE room_members ADD COLUMN notify TEXT CHECK (notify IN ('all', 'mentions', 'none'));
ALTER TABLE users ADD COLUMN quiet_until INTEGER;
