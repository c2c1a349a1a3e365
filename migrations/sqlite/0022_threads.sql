-- Threads: a reply in a thread is a message like any other (the room's next `seq`) that names
-- its root. The root row keeps its thread's summary (how many replies, the last one's time,
-- the first few who took part), updated in the reply's own transaction, so every read of a
-- page gets it without counting. `also_in_room`: the reply was sent to the room too, so the
-- room's timeline shows it as well.
ALTER TABLE messages ADD COLUMN thread_root INTEGER;
ALTER TABLE messages ADD COLUMN also_in_room INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN thread_replies INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN thread_last_at INTEGER;
ALTER TABLE messages ADD COLUMN thread_people TEXT NOT NULL DEFAULT '';
CREATE INDEX messages_thread ON messages (room_id, thread_root, seq) WHERE thread_root IS NOT NULL;
