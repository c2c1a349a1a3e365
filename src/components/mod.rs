//! The page's pieces, one component per file.

pub mod chat_page;
pub mod composer;
pub mod header;
pub mod message_list;
pub mod name_picker;
