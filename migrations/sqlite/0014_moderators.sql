-- Room moderators beyond the room's creator (who always is one): people the creator promoted.
-- Moderators delete anyone's message in the room and remove people from it; every such act,
-- and every promotion and demotion, goes into moderation_log. There, `target_seq` is the
-- message acted on, or 0 when the act was on a person (`target_author_id`) rather than a
-- message.
CREATE TABLE room_moderators (
    room_id     INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    granted_by  INTEGER NOT NULL REFERENCES users (id),
    granted_at  INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
CREATE INDEX moderation_log_by_room ON moderation_log (room_id, id);
