//! The live path of a message: the sequencer that commits and orders every event, the hub
//! that fans it out, each connection's queue and socket, and the other nodes.
//!
//! `sequencer` is the one writer of events; `hub` knows who is connected where and never
//! waits on anyone (`outbound_queue` is one connection's queue); `ws` is one connection from
//! upgrade to close; `cluster` and `presence` carry events and who is online between nodes;
//! `access_watch` keeps removals ordered with the events after them. Uses `storage`, the
//! stores of `messages`, `rooms`, `media` and `push`, and `limits`.

pub mod access_watch;
pub mod cluster;
pub mod hub;
pub mod outbound_queue;
pub mod presence;
pub mod sequencer;
pub mod ws;
