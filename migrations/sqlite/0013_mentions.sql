-- Who each message mentions (`@username`), as a reference to the account: the sidebar counts a
-- person's unread mentions per room from here, and a message shows as mentioning you.
-- An edit replaces a message's rows; a deletion removes them.
CREATE TABLE mentions (
    room_id  INTEGER NOT NULL REFERENCES rooms (id),
    seq      INTEGER NOT NULL,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (room_id, seq, user_id)
) WITHOUT ROWID;
CREATE INDEX mentions_by_user ON mentions (user_id, room_id, seq);
