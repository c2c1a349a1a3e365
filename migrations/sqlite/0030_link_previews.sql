-- A message's link preview: what the page of its first link says about itself, fetched after
-- the message was stored and added as a sequenced change (`message_events` kind `preview`).
-- `image_id` names the re-encoded thumbnail among the stored files (served to the room's
-- readers only). A row with `removed_at` set is a preview its author removed: never shown,
-- never fetched again for that message.
CREATE TABLE link_previews (
    room_id      INTEGER NOT NULL REFERENCES rooms (id),
    seq          INTEGER NOT NULL,
    url          TEXT    NOT NULL,
    title        TEXT    NOT NULL DEFAULT '',
    description  TEXT    NOT NULL DEFAULT '',
    site_name    TEXT    NOT NULL DEFAULT '',
    image_id     TEXT,
    image_mime   TEXT,
    image_width  INTEGER,
    image_height INTEGER,
    created_at   INTEGER NOT NULL,
    removed_at   INTEGER,
    PRIMARY KEY (room_id, seq)
);
CREATE UNIQUE INDEX link_previews_by_image ON link_previews (image_id);
-- A room's moderators may turn previews off for it (1: on).
ALTER TABLE rooms ADD COLUMN link_previews INTEGER NOT NULL DEFAULT 1;
