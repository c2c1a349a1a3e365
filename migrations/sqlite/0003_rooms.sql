-- Rooms of three kinds, and who belongs to which.
--
-- public:  anyone signed in can find and join it;
-- private: invite-only; only members know it exists;
-- direct:  a one-to-one conversation, named dm-<lower user id>-<higher user id>.
ALTER TABLE rooms ADD COLUMN kind TEXT NOT NULL DEFAULT 'public'
    CHECK (kind IN ('public', 'private', 'direct'));
ALTER TABLE rooms ADD COLUMN created_by INTEGER REFERENCES users (id);

-- Membership, with each member's read position: the highest seq they have seen, kept on the
-- server so unread counts agree across tabs and devices.
CREATE TABLE room_members (
    room_id        INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_read_seq  INTEGER NOT NULL DEFAULT 0,
    joined_at      INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;

CREATE INDEX room_members_by_user ON room_members (user_id);

-- Everyone who signed up before rooms existed was in "general".
INSERT INTO room_members (room_id, user_id, joined_at)
    SELECT r.id, u.id, u.created_at FROM rooms r, users u WHERE r.name = 'general';
