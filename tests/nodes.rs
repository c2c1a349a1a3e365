//! Several nodes on one database (the scale-out path): what they store together keeps every
//! room's order gap-free. On PostgreSQL this is the deployment; on SQLite the same holds for
//! two processes on one file.

use std::collections::BTreeSet;

use banter::server::database::Backend;

use crate::support::{Client, FreshDatabase, POSTGRES_ENV, TestServer};

/// Messages each node's writer posts in the burst.
const BURST: usize = 150;

#[tokio::test]
async fn two_nodes_posting_to_one_room_at_full_speed_give_out_gap_free_numbers() {
    let first = TestServer::start_with(|c| c.rate = 1e9).await;
    // Up (its schema in place) before the second node starts on its database, with its own
    // sequencer and hub.
    let mut ann = first.join("ann").await;
    let second = TestServer::start_on(&first.database, first.uploads.clone(), |c| c.rate = 1e9).await;
    let mut bob = second.join("bob").await;

    // Both send everything at once, then read their acks: the two sequencers' transactions
    // interleave on the rooms' counter row.
    let (from_ann, from_bob) = tokio::join!(burst("a", &mut ann), burst("b", &mut bob));

    // Each writer's own messages in the order it sent them; together, every number once.
    assert!(from_ann.windows(2).all(|w| w[0] < w[1]), "ann's acks out of order: {from_ann:?}");
    assert!(from_bob.windows(2).all(|w| w[0] < w[1]), "bob's acks out of order: {from_bob:?}");
    let all: BTreeSet<i64> = from_ann.iter().chain(&from_bob).copied().collect();
    let total = i64::try_from(2 * BURST).expect("small");
    assert_eq!(all, (1..=total).collect::<BTreeSet<_>>(), "numbers given out once each, no gap");

    // What is stored says the same, and each acked number holds the message it was given to.
    let store = first.store().await;
    let room = store.room_id("general").await.expect("read").expect("the general room");
    assert_eq!(store.latest_seq(room).await.expect("read"), total);
    let stored = store.after(room, "general", 0, 4 * BURST).await.expect("history");
    assert_eq!(stored.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=total).collect::<Vec<_>>());
    for (n, seq) in from_ann.iter().enumerate() {
        assert_eq!(stored[usize::try_from(seq - 1).expect("positive")].body, format!("a says {n}"));
    }
    for (n, seq) in from_bob.iter().enumerate() {
        assert_eq!(stored[usize::try_from(seq - 1).expect("positive")].body, format!("b says {n}"));
    }
}

/// Send [`BURST`] messages without waiting, then read their acks: the `seq`s given, in order.
async fn burst(prefix: &str, client: &mut Client) -> Vec<i64> {
    for n in 0..BURST {
        client.send_message(&format!("{prefix}{n}"), &format!("{prefix} says {n}")).await;
    }
    let mut acked = Vec::with_capacity(BURST);
    for n in 0..BURST {
        acked.push(client.ack(&format!("{prefix}{n}")).await);
    }
    acked
}

#[tokio::test]
async fn nodes_starting_at_once_on_a_new_postgres_database_all_come_up_on_one_schema() {
    let fresh = FreshDatabase::new().await;
    if fresh.database.backend() != Backend::Postgres {
        // One process per SQLite file is what SQLite deployments run; nodes need PostgreSQL.
        eprintln!("PostgreSQL only: runs when {POSTGRES_ENV} is set");
        return;
    }
    // Three nodes migrate the empty database at the same moment; the migrator's advisory lock
    // lets one apply the schema while the others wait, then find it applied.
    let start = || TestServer::start_on(&fresh.database, fresh.uploads(), |_| {});
    let nodes = [start().await, start().await, start().await];
    for (n, node) in nodes.iter().enumerate() {
        let health = node.get("/healthz").await;
        assert!(health.starts_with("HTTP/1.1 200"), "node {n}: {health}");
    }
    // One schema: an account made on one node signs in on another.
    let cookie = nodes[0].cookie("ann").await;
    assert!(nodes[2].get_as(&cookie, "/").await.starts_with("HTTP/1.1 200"));
}
