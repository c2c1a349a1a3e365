//! Link previews: what a page linked in a message says about itself (title, description,
//! site, image), for a card under the message.
//!
//! `fetcher` fetches the page through the outbound guard, bounded in bytes and time, one
//! fetch per URL at a time and cached; `page_meta` reads its OpenGraph and Twitter card tags.
//! Uses `outbound`.

pub mod fetcher;
pub mod page_meta;
