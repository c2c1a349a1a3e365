-- Each message's text as sanitized HTML (a small Markdown subset, links), rendered once when it
-- is posted. NULL for messages stored before formatting: they are rendered when read.
ALTER TABLE messages ADD COLUMN html TEXT;
