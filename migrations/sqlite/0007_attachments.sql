-- Files carried by messages. A row is made when the upload finishes (no message yet: only its
-- uploader may see it), then given its message's room and seq in the same transaction that
-- stores the message. Rows never attached are swept after `--upload-ttl`.
CREATE TABLE attachments (
    -- 32 random hex digits: the file's name in the blob store, and unguessable in URLs.
    id          TEXT    PRIMARY KEY,
    uploader_id INTEGER NOT NULL REFERENCES users (id),
    room_id     INTEGER REFERENCES rooms (id),
    message_seq INTEGER,
    -- Order among the message's attachments.
    position    INTEGER NOT NULL DEFAULT 0,
    name        TEXT    NOT NULL,
    mime        TEXT    NOT NULL,
    -- image, video, audio or file: how it is shown.
    kind        TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    width       INTEGER,
    height      INTEGER,
    -- Whether a thumbnail (<id>.thumb) was stored, and its type.
    thumb_mime  TEXT,
    created_at  INTEGER NOT NULL
);

CREATE INDEX attachments_by_message ON attachments (room_id, message_seq, position);
CREATE INDEX attachments_unsent ON attachments (created_at) WHERE message_seq IS NULL;
CREATE INDEX attachments_by_uploader ON attachments (uploader_id) WHERE message_seq IS NULL;
