-- A reply names the message it answers (its seq in the same room).
ALTER TABLE messages ADD COLUMN reply_to INTEGER;
