//! A person's data, and one room for an administrator, as a zip archive made in the
//! background: asked for from `/profile/export` (or a room's moderation page), built by one
//! worker per node a batch at a time with its progress in the store (so any node's page shows
//! it), kept with the attachments (a directory or the bucket) so any node serves it, and
//! downloaded only by who asked. Kept 7 days.
//!
//! `records` (the table), `builder` (what an export holds, and making it), `archive` (the zip
//! file), `download` (the route), `sweep` (failing stalled exports, removing old ones).
//! Uses `storage`, `messages`, `rooms`, `accounts` and `media`.

pub mod archive;
pub mod builder;
pub mod download;
pub mod records;
pub mod sweep;
