-- Each room's last `seq`, kept beside it: a write transaction takes the next numbers from this
-- row (locking it), so writers in several processes or on several nodes give out gap-free
-- numbers in commit order. Filled from what the room holds already.
ALTER TABLE rooms ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
UPDATE rooms SET last_seq = COALESCE((
    SELECT MAX(seq) FROM (
        SELECT seq FROM messages WHERE room_id = rooms.id
        UNION ALL SELECT seq FROM message_events WHERE room_id = rooms.id
    )
), 0);
