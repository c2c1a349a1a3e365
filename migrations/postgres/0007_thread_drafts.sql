-- A draft per thread too: what a person typed in a thread's composer is kept apart from what
-- they typed in the room's (`thread_root` 0 is the room's own composer). Sending a reply in
-- a thread clears that thread's draft.
ALTER TABLE drafts ADD COLUMN thread_root BIGINT NOT NULL DEFAULT 0;
ALTER TABLE drafts DROP CONSTRAINT drafts_pkey;
ALTER TABLE drafts ADD PRIMARY KEY (user_id, room_id, thread_root);
