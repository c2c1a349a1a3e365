//! Link previews: what a page linked in a message says about itself (title, description,
//! site, image), for a card under the message.
//!
//! `previewer` takes each new message's first web link from the sequencer and makes its
//! preview in the background; `fetcher` fetches the page (and its image) through the outbound
//! guard, bounded in bytes and time, one fetch per URL at a time and cached; `page_meta` reads
//! its OpenGraph and Twitter card tags; `records` keeps previews as sequenced changes of their
//! messages; `image_route` serves a preview's image to the room's readers alone. Uses
//! `outbound`, `media` and `realtime::sequencer`.

pub mod fetcher;
pub mod image_route;
pub mod page_meta;
pub mod previewer;
pub mod records;
