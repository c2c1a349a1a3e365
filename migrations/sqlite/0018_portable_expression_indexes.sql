-- The store's statements are written once for SQLite and PostgreSQL, with COALESCE where they
-- said IFNULL. SQLite uses an expression index only for the very expression it was built on,
-- so the indexes that make a retried send (or change) a duplicate are rebuilt on COALESCE:
-- without them each duplicate check would read the whole room.
DROP INDEX messages_by_author_client_id;
CREATE UNIQUE INDEX messages_by_author_client_id ON messages (room_id, COALESCE(author_id, 0), client_id);
DROP INDEX message_events_by_client;
CREATE UNIQUE INDEX message_events_by_client ON message_events (room_id, COALESCE(actor_id, 0), client_id);
