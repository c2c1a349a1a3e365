//! Every room's order stays gap-free and every client hears each message once, whichever
//! node it is on and whatever befalls Redis or a node mid-burst.

use super::*;
use banter::ids::Seq;

#[tokio::test]
async fn two_nodes_posting_to_one_room_at_full_speed_give_out_gap_free_numbers() {
    let first = TestServer::start_with(|c| c.rate = 1e9).await;
    // Up (its schema in place) before the second node starts on its database, with its own
    // sequencer and hub.
    let mut ann = first.join("ann").await;
    let second = TestServer::start_on(&first.database, first.storage.clone(), |c| c.rate = 1e9).await;
    let mut bob = second.join("bob").await;

    // Both send everything at once, then read their acks: the two sequencers' transactions
    // interleave on the rooms' counter row.
    let (from_ann, from_bob) = tokio::join!(burst("a", &mut ann), burst("b", &mut bob));

    // Each writer's own messages in the order it sent them; together, every number once.
    assert!(from_ann.windows(2).all(|w| w[0] < w[1]), "ann's acks out of order: {from_ann:?}");
    assert!(from_bob.windows(2).all(|w| w[0] < w[1]), "bob's acks out of order: {from_bob:?}");
    let all: BTreeSet<Seq> = from_ann.iter().chain(&from_bob).copied().collect();
    let total = i64::try_from(2 * BURST).expect("small");
    assert_eq!(all, (1..=total).map(Seq).collect::<BTreeSet<_>>(), "numbers given out once each, no gap");

    // What is stored says the same, and each acked number holds the message it was given to.
    let store = first.store().await;
    let room = store.room_id("general").await.expect("read").expect("the general room");
    assert_eq!(store.latest_seq(room).await.expect("read"), Seq(total));
    let stored = store.after(room, "general", Seq(0), 4 * BURST).await.expect("history");
    assert_eq!(stored.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=total).map(Seq).collect::<Vec<_>>());
    for (n, seq) in from_ann.iter().enumerate() {
        assert_eq!(stored[usize::try_from(seq.0 - 1).expect("positive")].body, format!("a says {n}"));
    }
    for (n, seq) in from_bob.iter().enumerate() {
        assert_eq!(stored[usize::try_from(seq.0 - 1).expect("positive")].body, format!("b says {n}"));
    }
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
    let start = || TestServer::start_on(&fresh.database, fresh.storage(), |_| {});
    let nodes = [start().await, start().await, start().await];
    for (n, node) in nodes.iter().enumerate() {
        let health = node.get("/healthz").await;
        assert!(health.starts_with("HTTP/1.1 200"), "node {n}: {health}");
    }
    // One schema: an account made on one node signs in on another.
    let cookie = nodes[0].cookie("ann").await;
    assert!(nodes[2].get_as(&cookie, "/").await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn clients_on_three_nodes_hear_every_message_once_in_one_order() {
    let redis = TestRedis::start().await;
    let (first, second, third) = three_nodes(&redis).await;
    let mut ann = first.join("ann").await;
    let mut bob = second.join("bob").await;
    let mut cat = third.join("cat").await;

    // All three send at once; each hears everyone's, its own included.
    let (to_ann, to_bob, to_cat) = tokio::join!(
        send_and_hear(&mut ann, "a", 30, 90),
        send_and_hear(&mut bob, "b", 30, 90),
        send_and_hear(&mut cat, "c", 30, 90)
    );
    let seqs: Vec<Seq> = to_ann.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, (1..=90).map(Seq).collect::<Vec<_>>(), "no gap, no duplicate");
    assert_eq!(to_bob, to_ann, "bob heard what ann heard, in the same order");
    assert_eq!(to_cat, to_ann, "cat heard what ann heard, in the same order");
}

#[tokio::test]
async fn a_redis_restart_mid_burst_leaves_no_gap_for_anyone() {
    let mut redis = TestRedis::start().await;
    let (first, second, _third) = three_nodes(&redis).await;
    let mut ann = first.join("ann").await;
    let mut bob = second.join("bob").await;

    // Half the burst, Redis killed, the other half while it is down, then Redis back: what
    // was published meanwhile is lost, and bob's node reads it from the database.
    for n in 0..100 {
        ann.send_message(&format!("a{n}"), "through Redis").await;
    }
    ann.ack("a49").await;
    redis.kill();
    let last = ann.ack("a99").await;
    redis.up().await;
    for n in 100..120 {
        ann.send_message(&format!("a{n}"), "after the restart").await;
    }
    let heard = hear(&mut bob, 120).await;
    assert_eq!(heard.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), (1..=120).map(Seq).collect::<Vec<_>>());
    assert_eq!(heard[99], (last, "a99".to_owned()));
}

#[tokio::test]
async fn while_redis_is_down_messages_still_cross_nodes_through_the_database() {
    let mut redis = TestRedis::start().await;
    let (first, second, _third) = three_nodes(&redis).await;
    let mut ann = first.join("ann").await;
    let mut bob = second.join("bob").await;
    ann.send_message("a0", "through Redis").await;
    assert_eq!(hear(&mut bob, 1).await, [(Seq(1), "a0".to_owned())]);

    // Redis stays down: bob's node reads ann's messages from the database on its own.
    redis.kill();
    for n in 1..20 {
        ann.send_message(&format!("a{n}"), "while Redis is down").await;
    }
    let heard = hear(&mut bob, 19).await;
    assert_eq!(heard.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), (2..=20).map(Seq).collect::<Vec<_>>());
    assert_eq!(heard.last().map(|(_, id)| id.as_str()), Some("a19"));
}

#[tokio::test]
async fn a_node_killed_mid_burst_loses_nothing_acked_and_its_client_resumes_on_another() {
    let redis = TestRedis::start().await;
    let url = redis.url();
    let first = TestServer::start_with(|c| {
        c.rate = 1e9;
        c.redis_url = Some(url.clone());
    })
    .await;
    let mut ann = first.join("ann").await;
    let bob_cookie = first.cookie("bob").await;
    let args = ["--redis-url", &url, "--rate", "1000000000"];
    let second = Process::start_on(&first.database, &first.storage, &args);

    // Bob sends a burst on the second node and has some of it acknowledged; then it dies.
    let mut bob = joined(&second.ws_url(), &bob_cookie, "general").await;
    for n in 0..200 {
        bob.send_message(&format!("b{n}"), &format!("burst {n}")).await;
    }
    let mut acked = Vec::new();
    while acked.len() < 50 {
        if let ServerFrame::Ack { client_id, seq, .. } = bob.next().await {
            acked.push((client_id, seq));
        }
    }
    second.kill9();

    // Bob reconnects to the first node, resumes from nothing and sends again all that was not
    // acknowledged, with the same ids: each lands once.
    let mut bob = Client::connect(&first.ws_url(), &bob_cookie).await;
    bob.send(&ClientFrame::Hello { room: "general".into(), after: Some(ResumeFrom::Seq(Seq(0))) }).await;
    let ServerFrame::Welcome { latest_seq, .. } = bob.next().await else { panic!("a welcome") };
    let committed = usize::try_from(latest_seq.0).expect("positive");
    assert!(committed >= acked.len(), "every acknowledged message is stored");
    for n in acked.len()..200 {
        bob.send_message(&format!("b{n}"), &format!("burst {n}")).await;
    }
    let resent_last = bob.ack("b199").await;
    assert_eq!(resent_last, Seq(200), "what was committed before the kill was not stored twice");

    // Ann, on the first node all along, heard every message once, in order.
    let heard = hear(&mut ann, 200).await;
    assert_eq!(heard.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), (1..=200).map(Seq).collect::<Vec<_>>());
    let ids: Vec<String> = (0..200).map(|n| format!("b{n}")).collect();
    assert_eq!(heard.iter().map(|(_, id)| id.clone()).collect::<Vec<_>>(), ids);
    // What was acknowledged before the kill kept its number.
    for (client_id, seq) in acked {
        assert_eq!(heard[usize::try_from(seq.0 - 1).expect("positive")].1, client_id);
    }
}

#[tokio::test]
async fn the_load_tool_spread_over_two_nodes_counts_every_delivery_once() {
    use banter::load::{Cli, Protocol, Scenario};
    let redis = TestRedis::start().await;
    let url = redis.url();
    let unlimited = |c: &mut banter::server::Config| {
        c.rate = 1e9;
        c.burst = 1_000_000;
        c.redis_url = Some(url.clone());
    };
    let first = TestServer::start_with(unlimited).await;
    first.cookie("ann").await;
    let second = TestServer::start_on(&first.database, first.storage.clone(), unlimited).await;
    let args = crate::support::fanout_args(6, 2, 200.0, 1.0, 16);
    let cli = Cli {
        addr: vec![first.addr, second.addr],
        publish_to: Some(first.addr),
        protocol: Protocol::Banter,
        server_pid: Vec::new(),
        sources: 1,
        json: None,
        scenario: Scenario::Fanout(args),
    };
    let reports = banter::load::run(cli).await.expect("the run completes");
    let report = &reports[0];
    assert!(report.sent > 0);
    assert_eq!(report.delivered, report.sent * 6, "{report:?}");
    assert_eq!((report.lost, report.duplicated, report.out_of_order), (0, 0, 0), "{report:?}");
}
