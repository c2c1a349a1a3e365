//! What a team wires into its chat: bots and scripts over plain HTTP.
//!
//! `bot_api` is the small JSON API a bot or a script uses with its token (`Authorization:
//! Bearer`, `server::accounts::bots`): its rooms, a room's messages after a `seq`, posting
//! one. `openapi` describes it (and the upload endpoint) as an OpenAPI document derived from
//! the handlers' own types, so the description cannot drift from what they take and answer.
//! `incoming_hooks` keeps a room's incoming webhooks (each a bot of its own,
//! `integration_bots`, behind a secret URL) and `hook_receiver` is that URL: Slack's payload,
//! posted as the webhook's bot. The other way, `room_commands` calls a room's own slash
//! command's handler and `outgoing_hooks` sends its new messages out, each request signed
//! (`signing`) to a URL checked by the outbound guard (`handler_url`).
//! Everything here goes through the same checks as a page: the room lookup that answers "not
//! found" for a room the caller may not read, the posting path with its allowances.
//! Uses `accounts`, `commands`, `messages`, `outbound`, `rooms` and `storage`.

pub mod bot_api;
pub mod handler_url;
pub mod hook_receiver;
pub mod incoming_hooks;
pub mod integration_bots;
pub mod openapi;
pub mod outgoing_hooks;
pub mod room_commands;
pub mod signing;
