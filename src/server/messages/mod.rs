//! What a message is and what may happen to it: storing it and reading a room's history
//! (`history`), posting without a socket (`posting`, `form_post`), edits and deletions
//! (`message_changes`), reactions, pins, threads and who follows them (`threads`), read
//! receipts (`receipts`), saved messages (`saved`), drafts, mentions, Markdown
//! rendering and the emoji catalog. Each keeps its own SQL; the sequencer runs the
//! writes in its transaction.
//! Uses `storage`, `accounts`, `rooms` and `limits`.

pub mod drafts;
pub mod emoji_catalog;
pub mod form_post;
pub mod history;
pub mod markdown;
pub mod mentions;
pub mod message_changes;
pub mod pins;
pub mod posting;
pub mod reactions;
pub mod receipts;
pub mod retention;
pub mod saved;
pub mod threads;
