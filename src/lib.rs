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
//! - [`accounts`]: what a username, password and status may be (both sides check).
//! - [`model`]: a stored message and a history page.
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
//!   `accounts` (sign-up, sign-in, sign-out, profile), `rooms`, `moderation`, `search`.
//! - [`app`]: the HTML shell and routes; `components/`: one component per file.
//!
//! Server only (`ssr`), under [`server`]: `config` (flags), `database` (SQLite or PostgreSQL:
//! which, and opening it with its migrations), `store` (the pool; messages), `sequencer` (the
//! single writer: commit, then broadcast, in order; with other nodes, in order with theirs),
//! `cluster` (live events between nodes over Redis), `presence` (who is online on the other
//! nodes), `access_watch` (which removals a node's sockets were checked against, so nothing
//! committed after a removal reaches the removed before its news does), `hub` (who is connected, fan-out, ending
//! connections when permissions change), `outbound_queue` (a connection's queue, empty when
//! idle), `ws` (one connection's reader and writer, one task), `state`;
//! `listener` (the accept loop: connection cap, header timeout, bounded shutdown), `health`
//! (`/healthz`, `/metrics`), `http_security` (cross-site refusal, security headers), `assets`
//! (the static site precompressed and cached, pages compressed on the fly);
//! `rate_limit` (token buckets) and `person_limits` (every allowance per person or address);
//! for accounts `users` (accounts and sessions in the store), `passwords` (argon2id),
//! `session_cookie`, `auth` (who is asking, and may their page connect), `signin_throttle`,
//! `shared_limits` (sign-in failures and message allowances counted over all nodes, in Redis),
//! `user_agent` (a session's browser in words); `rooms` (membership and read positions);
//! `room_members` (the member list, and telling open pages on every node when it changes);
//! `outbound` (the one guard every URL the server calls goes through: no internal addresses);
//! `api_status` (a server function error's HTTP status from its code, and a count of 500s);
//! `emoji_catalog` (the `emojis` crate's table, served to the picker; `:shortcode:` expansion);
//! for attachments `uploads` (receive, serve, sweep), `media` (type from the bytes; images
//! upright, without metadata, thumbnailed), `blobs` (where the bytes live: a directory, or an
//! S3-compatible bucket through `object_store`), `attachments` (their
//! rows in the store); `posting` (posting without a socket) and `form_post` (the composer's form
//! without JavaScript, with a file); `markdown` (a message's text as sanitized HTML, rendered
//! once when posted); `mentions` (who a message names, as references to accounts; unread
//! mentions per room); `moderation` (who may moderate a room; the moderation log);
//! `notify_settings` (notification levels and do not disturb in the store); `push` (Web
//! Push: who to push, encryption, VAPID, sending off the message path) and `push_store` (the
//! VAPID key and subscriptions);
//! `message_changes` (edits and deletions, each an event in the room's
//! order); `search` (the full-text index, kept in step with messages, and its query) and
//! `search_query` (what a person typed, as an FTS5 or a `tsquery` query; marking what matched).
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
pub mod components;
pub mod emoji;
pub mod grouping;
pub mod mentions;
pub mod model;
pub mod notifications;
pub mod protocol;
pub mod rooms;
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
