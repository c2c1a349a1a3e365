-- What administrators did to accounts (`banter admin …`), like the moderation log of a room:
-- who (the operating-system user who ran the command), what, to whom, when.
CREATE TABLE admin_acts (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    act       TEXT    NOT NULL,
    target_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    target    TEXT    NOT NULL
);
