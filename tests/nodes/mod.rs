//! Several nodes on one database and one Redis (the scale-out path), by theme:
//!
//! - [`ordering`]: what they store together keeps every room's order gap-free, and every
//!   client hears each message once, through a Redis restart or a node killed mid-burst.
//! - [`access`]: a removal or a sign-out on one node reaches sockets on every other, even when
//!   its news never comes; a private room is private on every node.
//! - [`presence`]: who is online and typing crosses nodes; a dead node's people go offline.
//! - [`limits`]: a person's allowances and socket caps are one over all nodes, and each node
//!   still limits alone while Redis is away.
//!
//! On PostgreSQL this is the deployment; on SQLite the same holds for two processes on one
//! file. The helpers here start the nodes and speak to them.

use banter::ids::Seq;
mod access;
mod limits;
mod ordering;
mod presence;

use std::collections::BTreeSet;

use banter::server::rooms::moderation::Power;
use banter::server::storage::database::Backend;

use banter::protocol::{
    CLOSE_REMOVED, CLOSE_SIGNED_OUT, ClientFrame, ErrorCode, PresenceEvent, ResumeFrom, ServerFrame,
};

use crate::support::process::Process;
use crate::support::redis_server::TestRedis;
use crate::support::{Client, Event, FreshDatabase, POSTGRES_ENV, TestServer, header};

/// Messages each node's writer posts in the burst.
const BURST: usize = 150;

/// Send [`BURST`] messages without waiting, then read their acks: the `seq`s given, in order.
async fn burst(prefix: &str, client: &mut Client) -> Vec<Seq> {
    for n in 0..BURST {
        client.send_message(&format!("{prefix}{n}"), &format!("{prefix} says {n}")).await;
    }
    let mut acked = Vec::with_capacity(BURST);
    for n in 0..BURST {
        acked.push(client.ack(&format!("{prefix}{n}")).await);
    }
    acked
}

/// A private room of `owner`'s (a cookie) on `server`, with `guests` invited: its address.
async fn club(server: &TestServer, owner: &str, guests: &[&str]) -> String {
    server.private_room(owner, "club", guests).await
}

/// A socket of `cookie`'s on the node at `ws_url`, welcomed into `room`.
async fn joined(ws_url: &str, cookie: &str, room: &str) -> Client {
    let mut client = Client::connect(ws_url, cookie).await;
    client.send(&ClientFrame::Hello { room: room.into(), after: None }).await;
    assert!(matches!(client.next().await, ServerFrame::Welcome { .. }));
    client
}

/// Three nodes on one database and one Redis, ann, bob and cat each on their own.
async fn three_nodes(redis: &TestRedis) -> (TestServer, TestServer, TestServer) {
    let url = redis.url();
    let tune = |c: &mut banter::server::Config| {
        c.rate = 1e9;
        c.redis_url = Some(url.clone());
    };
    let first = TestServer::start_with(tune).await;
    // Its schema in place before the others start on its database.
    first.cookie("ann").await;
    let second = TestServer::start_on(&first.database, first.storage.clone(), tune).await;
    let third = TestServer::start_on(&first.database, first.storage.clone(), tune).await;
    (first, second, third)
}

/// Send `sends` messages without waiting, then hear until `count` have come.
async fn send_and_hear(client: &mut Client, prefix: &str, sends: usize, count: usize) -> Vec<(Seq, String)> {
    for n in 0..sends {
        client.send_message(&format!("{prefix}{n}"), "hello from my node").await;
    }
    hear(client, count).await
}

/// The messages a client hears until it has `count` of them: `(seq, client_id)` in order.
async fn hear(client: &mut Client, count: usize) -> Vec<(Seq, String)> {
    let mut heard = Vec::with_capacity(count);
    while heard.len() < count {
        if let ServerFrame::Message(message) = client.next().await {
            heard.push((message.seq, message.client_id));
        }
    }
    heard
}

/// The usernames in the next `members` frame `client` hears.
async fn next_members(client: &mut Client) -> Vec<String> {
    let (frame, _) = client.until(|f| matches!(f, ServerFrame::Members { .. })).await;
    match frame {
        ServerFrame::Members { members, .. } => {
            members.into_iter().map(|m| m.username.into_string()).collect()
        }
        _ => unreachable!("until returns what it waited for"),
    }
}
