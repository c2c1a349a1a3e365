//! Banter: a real-time web chat. One crate, two builds.
//!
//! With the `ssr` feature it is the server: axum serves the Leptos pages rendered with the
//! room's history already in them, the wasm bundle, and a WebSocket hub at `/ws` that stores
//! each message in SQLite (or PostgreSQL) and then broadcasts it. With `hydrate` it is the browser client: the
//! same components take over the server's HTML and keep it live over the WebSocket.
//!
//! # Layout
//!
//! Shared by both builds:
//! - [`protocol`]: the wire frames and every client-visible limit (`docs/protocol.md`).
//! - [`frame_reader`]: how the browser reads a server frame (externally tagged, which keeps
//!   serde's buffering decoder out of the bundle).
//! - [`accounts`]: what a username, password and status may be (both sides check).
//! - [`model`]: a stored message and a history page. [`ids`]: typed ids (`RoomId`, `UserId`,
//!   `Seq`, `RoomName`, `Username`): a swapped pair is a compile error.
//! - [`static_scripts`]: `public/`'s scripts, linked by a hash of their content.
//! - [`text_case`]: upper and lower case, by the browser's own in the browser (no case tables
//!   in the wasm).
//! - [`attachments`]: the attachment object on the wire, its typed id and kind, the limits.
//! - [`upload_tray`]: the files being attached to the next message (progress, failure, retry).
//! - [`chat`]: the browser's model of a room: timeline ordering, the outbox and its retries.
//! - [`emoji`]: the picker's catalog (its wire form, search, completion) and "only emoji".
//! - [`grouping`]: how the message list groups messages under one header and separates days.
//! - [`rooms`]: room kinds, name rules, a sidebar entry. [`typing`]: who is typing.
//! - [`mentions`]: `@username` in a text: whom it mentions, and the mention being typed.
//! - [`notifications`]: which new messages notify whom (levels per room, do not disturb).
//! - [`chat_state`]: that model as reactive signals, shared by components and the connection.
//! - [`api_error`]: the `{code, message}` error every server function answers with.
//! - [`api`]: server functions: `chat` (first paint, older pages, posting without a socket),
//!   `accounts` (sign-up, sign-in, sign-out, profile), `rooms`, `moderation`, `search`,
//!   `saved`, `drafts`, `threads` (following threads, `/threads`, what was read of one),
//!   `receipts` (read positions, read receipts, turning them off).
//! - [`app`]: the HTML shell and routes; `components/`: one component per file.
//!
//! Server only (`ssr`), under [`server`], one folder per capability (each `mod.rs` says what
//! it owns and what it may use), beside `config` (flags) and `state` (what handlers share):
//! - `storage`: the database core: `database` (SQLite or PostgreSQL, opened with its
//!   migrations) and `store` (the pool, transactions, sequence numbers); it imports no feature.
//! - `realtime`: `sequencer` (the single writer: commit, then broadcast, in order; with other
//!   nodes, in order with theirs), `hub` (who is connected, fan-out, ending connections when
//!   permissions change), `outbound_queue` (a connection's queue, empty when idle), `ws` (one
//!   connection's reader and writer, one task), `cluster` (live events between nodes over
//!   Redis), `presence` (who is online on the other nodes), `access_watch` (nothing committed
//!   after a removal reaches the removed before its news does).
//! - `edge`: `listener` (connection cap, header timeout, bounded shutdown), `assets` (the
//!   static site precompressed and cached), `http_security` (cross-site refusal, security
//!   headers), `api_status` (a server function error's status from its code; 500s counted),
//!   `health` (`/healthz`, `/metrics`).
//! - `accounts`: `users` (accounts and sessions in the store), `passwords` (argon2id),
//!   `session_cookie`, `auth` (who is asking, and may their page connect), `signin_throttle`,
//!   `user_agent` (a session's browser in words), `single_sign_on` (OpenID Connect: the
//!   provider, pending sign-ins, identities linked to accounts, the two routes), `welcome`
//!   (what a new account gets), `account_deletion` (a person leaving for good), `second_factor` (TOTP, recovery codes, the sign-in waiting
//!   for its code).
//! - `limits`: `rate_limit` (token buckets), `person_limits` (every allowance per person or
//!   address), `shared_limits` (counted over all nodes, in Redis).
//! - `messages`: `history` (storing a message, reading a room's history), `posting` (without a socket), `form_post` (the composer's form without
//!   JavaScript, with a file), `message_changes` (edits and deletions, each an event),
//!   `reactions`, `pins`, `threads` (a thread's summary on its root, who follows it, what
//!   they have read), `receipts` (read receipts, each an event), `saved`, `drafts`, `mentions`,
//!   `markdown` (sanitized HTML, rendered
//!   once), `emoji_catalog`, `retention` (history past its room's retention, deleted as
//!   ordinary deletions).
//! - `rooms`: `membership` (who may see which room, read positions), `moderation` (who may
//!   moderate; the log), `notify_settings` (levels, do not disturb), `room_members` (the live
//!   member list on every node).
//! - `media`: `uploads` (receive, serve, sweep), `inspect` (type from the bytes; images
//!   upright, without metadata, thumbnailed), `blobs` (a directory, or an S3-compatible bucket
//!   through `object_store`), `attachments` (their rows).
//! - `push`: `sender` (who to push, encryption, VAPID, sending off the message path) and
//!   `subscriptions` (the VAPID key and devices in the store).
//! - `search`: `index` (kept in step with messages, asked for a person's rooms) and `query`
//!   (what was typed, as FTS5 or `tsquery`; marking what matched).
//! - `outbound`: the one guard every URL the server calls goes through (no internal addresses).
//!
//! The load tool (`ssr`), under [`load`]: `banter-load`'s scenarios, accounting and report.
//! `src/bin/banter-search-bench.rs` measures search over a million generated messages,
//! `src/bin/banter-push-bench.rs` Web Push to a thousand devices.
//!
//! Browser only (`hydrate`), under `client`: `connection` (reconnect and resume), `storage`
//! (the outbox in `localStorage`), `emoji` (the catalog's fetch, recent emoji), `upload`
//! (uploads with progress and cancel), `notify` (system notifications, the unread count in
//! the title and icon, the service worker).

// Leptos views are nested generic types; without `erase_components` (the release build) the
// page's type is deeper than rustc's default limit allows.
#![recursion_limit = "256"]

pub mod accounts;
pub mod api;
pub mod api_error;
pub mod app;
pub mod attachments;
pub mod chat;
pub mod chat_state;
pub mod commands;
pub mod components;
pub mod emoji;
pub mod frame_reader;
pub mod grouping;
pub mod ids;
pub mod mentions;
pub mod model;
pub mod notifications;
pub mod page_address;
pub mod protocol;
pub mod rooms;
pub mod static_scripts;
pub mod text_case;
pub mod typing;
pub mod upload_tray;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "ssr")]
pub mod load;

#[cfg(feature = "hydrate")]
pub mod client;

/// The wasm entry point: take over the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Every page: the server's HTML is now driven by the wasm (forms submit without reload).
    client::mark_live("data-hydrated");
}
