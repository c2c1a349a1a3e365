//! Test harness: a real server on 127.0.0.1:0 with a real database, and protocol clients.
//!
//! - [`database`]: a fresh SQLite file per server, or, when `BANTER_TEST_POSTGRES` names a
//!   PostgreSQL server (`make unit` starts one with `scripts/test-services.sh` and runs the
//!   suite once on each), a fresh PostgreSQL database per server, dropped with it.
//! - [`server`]: the server's lifecycle and its accounts.
//! - [`http`]: plain HTTP requests and what they answer.
//! - [`ws_client`]: the WebSocket protocol client.
//! - [`rooms`]: setups many tests share (a private room with guests, a conversation).
//! - [`object_store`], [`redis_server`], [`process`]: the real services and processes some
//!   tests start beside it.
//!
//! Waiting is always on a condition (the next frame, [`eventually`]); the timeouts only turn a
//! hang into a failure with a message.

use std::time::Duration;

pub mod database;
pub mod http;
pub mod mail_server;
/// Test files (photos, a bomb), the same ones the unit tests use.
#[path = "../../src/server/media/fixtures.rs"]
#[allow(dead_code)] // each test file uses some of them
pub mod media_fixtures;
pub mod object_store;
pub mod oidc_provider;
pub mod process;
pub mod redis_server;
pub mod rooms;
pub mod server;
pub mod ws_client;

pub use database::{FreshDatabase, POSTGRES_ENV};
pub use http::{RawResponse, form_value, header, json_body, set_cookie};
pub use server::{KNOWN_PASSWORD, TestServer, leptos_options, sign_up};
pub use ws_client::{Client, Event};

/// Longest a test waits for something that should happen at once.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// How often [`eventually`] asks again.
const POLL_EVERY: Duration = Duration::from_millis(20);

/// Wait until `holds` answers true, asking again every [`POLL_EVERY`]: for what the server
/// does in the background (a sweep, an eviction, a refused push) and shows only when asked.
/// Fails the test, naming `what` was awaited, if it does not hold within [`PATIENCE`].
pub async fn eventually(what: &str, mut holds: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !holds().await {
        assert!(tokio::time::Instant::now() < deadline, "not within {PATIENCE:?}: {what}");
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// A fan-out for `banter-load` at test size: `clients` receivers of one person, `publishers`
/// sending `rate` messages a second in all for `duration` seconds, bodies padded by `size`.
pub fn fanout_args(
    clients: usize,
    publishers: usize,
    rate: f64,
    duration: f64,
    size: usize,
) -> banter::load::FanoutArgs {
    banter::load::FanoutArgs { clients, publishers, rate, duration, size, drain: 10.0, sessions: None }
}
