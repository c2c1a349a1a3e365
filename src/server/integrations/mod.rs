//! What a team wires into its chat: bots and scripts over plain HTTP.
//!
//! `bot_api` is the small JSON API a bot or a script uses with its token (`Authorization:
//! Bearer`, `server::accounts::bots`): its rooms, a room's messages after a `seq`, posting
//! one. `openapi` describes it (and the upload endpoint) as an OpenAPI document derived from
//! the handlers' own types, so the description cannot drift from what they take and answer.
//! `incoming_hooks` keeps a room's incoming webhooks (each a bot of its own, behind a secret
//! URL) and `hook_receiver` is that URL: Slack's payload, posted as the webhook's bot.
//! Everything here goes through the same checks as a page: the room lookup that answers "not
//! found" for a room the caller may not read, the posting path with its allowances.
//! Uses `accounts`, `messages`, `rooms` and `storage`.

pub mod bot_api;
pub mod hook_receiver;
pub mod incoming_hooks;
pub mod openapi;
