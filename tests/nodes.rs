//! Several nodes on one database (the scale-out path): what they store together keeps every
//! room's order gap-free. On PostgreSQL this is the deployment; on SQLite the same holds for
//! two processes on one file.

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

/// A private room of `owner`'s (a cookie) on `server`, with `guests` invited: its address.
async fn club(server: &TestServer, owner: &str, guests: &[&str]) -> String {
    let created = server.post_form("/api/create_room", Some(owner), "name=club&private=on").await;
    let room = header(&created, "location").and_then(|l| l.strip_prefix("/r/")).expect("a room").to_owned();
    for guest in guests {
        server.post_form("/api/invite", Some(owner), &format!("room={room}&username={guest}")).await;
    }
    room
}

/// A socket of `cookie`'s on the node at `ws_url`, welcomed into `room`.
async fn joined(ws_url: &str, cookie: &str, room: &str) -> Client {
    let mut client = Client::connect(ws_url, cookie).await;
    client.send(&ClientFrame::Hello { room: room.to_owned(), after: None }).await;
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
async fn send_and_hear(client: &mut Client, prefix: &str, sends: usize, count: usize) -> Vec<(i64, String)> {
    for n in 0..sends {
        client.send_message(&format!("{prefix}{n}"), "hello from my node").await;
    }
    hear(client, count).await
}

/// The messages a client hears until it has `count` of them: `(seq, client_id)` in order.
async fn hear(client: &mut Client, count: usize) -> Vec<(i64, String)> {
    let mut heard = Vec::with_capacity(count);
    while heard.len() < count {
        if let ServerFrame::Message(message) = client.next().await {
            heard.push((message.seq, message.client_id));
        }
    }
    heard
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
    let seqs: Vec<i64> = to_ann.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, (1..=90).collect::<Vec<_>>(), "no gap, no duplicate");
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
    assert_eq!(heard.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), (1..=120).collect::<Vec<_>>());
    assert_eq!(heard[99], (last, "a99".to_owned()));
}

#[tokio::test]
async fn removal_and_sign_out_on_one_node_end_sockets_on_another() {
    let redis = TestRedis::start().await;
    let (first, second, _third) = three_nodes(&redis).await;
    let ann = first.cookie("ann").await;
    let bob = first.cookie("bob").await;
    let room = club(&first, &ann, &["bob"]).await;

    // Bob is in the club on the second node, and in general there too.
    let mut in_club = joined(&second.ws_url(), &bob, &room).await;
    let mut in_general = joined(&second.ws_url(), &bob, "general").await;

    // Removed on the first node: the second ends his socket in the club, nothing more.
    first.post_form("/api/remove_member", Some(&ann), &format!("room={room}&username=bob")).await;
    assert_eq!(in_club.close_code().await, CLOSE_REMOVED);
    in_general.round_trip().await;

    // Signed out everywhere on the first node: his socket on the second ends too.
    first.post_form("/api/sign_out_everywhere", Some(&bob), "").await;
    assert_eq!(in_general.close_code().await, CLOSE_SIGNED_OUT);
}

#[tokio::test]
async fn a_private_room_is_private_on_every_node() {
    let redis = TestRedis::start().await;
    let (first, second, third) = three_nodes(&redis).await;
    let ann = first.cookie("ann").await;
    let eve = first.cookie("eve").await;
    let room = club(&first, &ann, &[]).await;
    let mut ann_ws = joined(&first.ws_url(), &ann, &room).await;
    // Eve is in general on the second node, where the club's messages are delivered too.
    let mut eve_general = joined(&second.ws_url(), &eve, "general").await;
    ann_ws
        .send(&ClientFrame::Send {
            room: room.clone(),
            client_id: "p1".into(),
            body: "the password is swordfish".into(),
            attachments: Vec::new(),
            reply_to: None,
        })
        .await;
    ann_ws.ack("p1").await;

    for node in [&second, &third] {
        // Her hello gets the answer for a room that does not exist; so does its page.
        let mut eve_ws = Client::connect(&node.ws_url(), &eve).await;
        eve_ws.send(&ClientFrame::Hello { room: room.clone(), after: Some(ResumeFrom::Seq(0)) }).await;
        assert!(
            matches!(eve_ws.next().await, ServerFrame::Error { code: ErrorCode::UnknownRoom, .. }),
            "node {}",
            node.addr
        );
        assert!(node.get_as(&ann, &format!("/r/{room}")).await.contains("swordfish"));
        let page = node.get_as(&eve, &format!("/r/{room}")).await;
        assert!(!page.contains("swordfish"), "the page shows the message");
        // Search there finds it for ann, and nothing of it for eve.
        let found = node.call("/api/search_messages", &ann, "form[q]=swordfish").await;
        assert!(found.contains("swordfish"), "{found}");
        let found = node.call("/api/search_messages", &eve, "form[q]=swordfish").await;
        assert!(!found.contains("swordfish"), "{found}");
    }
    // Her socket in general on the second node heard nothing of it either.
    let heard = eve_general.round_trip().await;
    assert!(!heard.iter().any(|f| format!("{f:?}").contains("swordfish")), "{heard:?}");
}

/// What happens to bob straight in the store, so that no node hears of it (as if the node that
/// made it died right after the commit): no `Revoke`, no `EndUser` anywhere.
enum Unheard {
    Removal,
    SignOutEverywhere,
}

/// Bob has sockets in ann's private club on two nodes; `change` befalls him unheard. Ann's next
/// message is committed after it: neither of his sockets gets it, the one on her node (its own
/// commit) nor the one on another node (heard through Redis); both end with `code`.
async fn the_next_message_misses_bob_after(change: Unheard, code: u16) {
    let redis = TestRedis::start().await;
    let (first, second, _third) = three_nodes(&redis).await;
    let ann = first.cookie("ann").await;
    let bob = first.cookie("bob").await;
    let room = club(&first, &ann, &["bob"]).await;
    let mut ann_ws = joined(&first.ws_url(), &ann, &room).await;
    let mut bob_here = joined(&first.ws_url(), &bob, &room).await;
    let mut bob_there = joined(&second.ws_url(), &bob, &room).await;

    let store = first.store().await;
    let id = |name: &'static str| {
        let store = store.clone();
        async move { store.user_by_username(name).await.expect("read").expect("an account").id }
    };
    let (ann_id, bob_id) = (id("ann").await, id("bob").await);
    match change {
        Unheard::Removal => {
            let access = store.room_for(ann_id, &room).await.expect("read").expect("ann's room");
            store.remove_member(ann_id, Power::Creator, &access, bob_id).await.expect("removed");
        }
        Unheard::SignOutEverywhere => store.delete_sessions_of(bob_id).await.expect("signed out"),
    }

    ann_ws
        .send(&ClientFrame::Send {
            room: room.clone(),
            client_id: "after".into(),
            body: "not for bob".into(),
            attachments: Vec::new(),
            reply_to: None,
        })
        .await;
    assert!(ann_ws.ack("after").await > 0);
    assert_eq!(bob_here.close_code().await, code);
    assert_eq!(bob_there.close_code().await, code);
}

#[tokio::test]
async fn a_removal_whose_news_never_comes_still_keeps_later_messages_from_the_removed() {
    the_next_message_misses_bob_after(Unheard::Removal, CLOSE_REMOVED).await;
}

#[tokio::test]
async fn a_sign_out_no_node_hears_of_still_keeps_later_messages_from_that_session() {
    the_next_message_misses_bob_after(Unheard::SignOutEverywhere, CLOSE_SIGNED_OUT).await;
}

#[tokio::test]
async fn presence_and_typing_cross_nodes_and_a_dead_node_s_people_go_offline() {
    let redis = TestRedis::start().await;
    let url = redis.url();
    let first = TestServer::start_with(|c| {
        c.redis_url = Some(url.clone());
        c.presence_heartbeat_ms = 100;
        c.presence_timeout_ms = 1_000;
    })
    .await;
    let mut ann = first.join("ann").await;
    ann.hear_people();
    // Bob on a second node that can die: the real binary, killed with SIGKILL below.
    let args = ["--redis-url", &url, "--presence-heartbeat-ms", "100", "--presence-timeout-ms", "1000"];
    let second = Process::start_on(&first.database, &first.storage, &args);
    let bob_cookie = first.cookie("bob").await;
    let mut bob = joined(&second.ws_url(), &bob_cookie, "general").await;

    // Ann, on the first node, hears bob come in: two people online.
    let (joined, mut heard) =
        ann.until(|f| matches!(f, ServerFrame::Presence { username, .. } if username == "bob")).await;
    assert!(
        matches!(joined, ServerFrame::Presence { event: PresenceEvent::Joined, online: 2, .. }),
        "{joined:?}"
    );
    heard.push(joined);
    // Bob types on his node; ann hears it on hers.
    bob.send(&ClientFrame::Typing { room: "general".into() }).await;
    let (typing, skipped) =
        ann.until(|f| matches!(f, ServerFrame::Typing { username, .. } if username == "bob")).await;
    heard.extend(skipped);
    heard.push(typing);

    // A tab of bob's on ann's node: the room lists him once, and nobody is told he came or
    // went, since he is still there on his own node.
    let mut tab = Client::connect(&first.ws_url(), &bob_cookie).await;
    tab.send(&ClientFrame::Hello { room: "general".into(), after: None }).await;
    let ServerFrame::Welcome { online, .. } = tab.next().await else { panic!("a welcome") };
    assert_eq!(online, ["ann", "bob"]);
    drop(tab);

    // His node dies: within the presence timeout ann sees him leave, and go offline.
    second.kill9();
    let left = |f: &ServerFrame| matches!(f, ServerFrame::Presence { event: PresenceEvent::Left, username, .. } if username == "bob");
    let offline =
        |f: &ServerFrame| matches!(f, ServerFrame::Person { username, online: false } if username == "bob");
    while !(heard.iter().any(left) && heard.iter().any(offline)) {
        heard.push(ann.next().await);
    }
    let about_bob: Vec<&ServerFrame> = heard
        .iter()
        .filter(|f| {
            matches!(f, ServerFrame::Presence { username, .. } | ServerFrame::Person { username, .. } if username == "bob")
        })
        .collect();
    // Each once, whatever his second tab did: in, online, out, offline.
    assert_eq!(about_bob.len(), 4, "{about_bob:?}");
    assert!(
        heard
            .iter()
            .any(|f| matches!(f, ServerFrame::Presence { event: PresenceEvent::Left, online: 1, .. }))
    );
    assert!(
        heard
            .iter()
            .any(|f| matches!(f, ServerFrame::Person { username, online: true } if username == "bob"))
    );
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
    bob.send(&ClientFrame::Hello { room: "general".into(), after: Some(ResumeFrom::Seq(0)) }).await;
    let ServerFrame::Welcome { latest_seq, .. } = bob.next().await else { panic!("a welcome") };
    let committed = usize::try_from(latest_seq).expect("positive");
    assert!(committed >= acked.len(), "every acknowledged message is stored");
    for n in acked.len()..200 {
        bob.send_message(&format!("b{n}"), &format!("burst {n}")).await;
    }
    let resent_last = bob.ack("b199").await;
    assert_eq!(resent_last, 200, "what was committed before the kill was not stored twice");

    // Ann, on the first node all along, heard every message once, in order.
    let heard = hear(&mut ann, 200).await;
    assert_eq!(heard.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), (1..=200).collect::<Vec<_>>());
    let ids: Vec<String> = (0..200).map(|n| format!("b{n}")).collect();
    assert_eq!(heard.iter().map(|(_, id)| id.clone()).collect::<Vec<_>>(), ids);
    // What was acknowledged before the kill kept its number.
    for (client_id, seq) in acked {
        assert_eq!(heard[usize::try_from(seq - 1).expect("positive")].1, client_id);
    }
}

#[tokio::test]
async fn the_load_tool_spread_over_two_nodes_counts_every_delivery_once() {
    use banter::load::{Cli, FanoutArgs, Protocol, Scenario};
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
    let args = FanoutArgs { clients: 6, publishers: 2, rate: 200.0, duration: 1.0, size: 16, drain: 10.0 };
    let cli = Cli {
        addr: vec![first.addr, second.addr],
        publish_to: Some(first.addr),
        protocol: Protocol::Banter,
        server_pid: None,
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

#[tokio::test]
async fn sign_in_failures_count_over_all_nodes_and_sign_in_goes_on_without_redis() {
    use banter::server::accounts::signin_throttle::MAX_FAILURES_PER_USERNAME_AT_ADDRESS;
    let mut redis = TestRedis::start().await;
    let (first, second, _third) = three_nodes(&redis).await;
    let made = first.post_form("/api/sign_up", None, "username=fay&password=right+password").await;
    assert!(header(&made, "location").is_some(), "{made}");
    // The failures alternate between the nodes: neither holds enough of them to refuse alone.
    for n in 0..MAX_FAILURES_PER_USERNAME_AT_ADDRESS {
        let node = if n % 2 == 0 { &first } else { &second };
        let wrong = node.post_form("/api/sign_in", None, "username=fay&password=wrong+password").await;
        assert!(header(&wrong, "location").is_some_and(|l| l.contains("error=wrong-password")), "{wrong}");
    }
    let right = first.post_form("/api/sign_in", None, "username=fay&password=right+password").await;
    let location = header(&right, "location").expect("back to the form");
    assert!(location.starts_with("/signin?error=throttled"), "{location}");

    // Redis gone: each node's own throttle decides, and the right password works.
    redis.kill();
    let made = second.post_form("/api/sign_up", None, "username=gus&password=right+password").await;
    assert!(header(&made, "location").is_some(), "{made}");
    let right = second.post_form("/api/sign_in", None, "username=gus&password=right+password").await;
    assert_eq!(header(&right, "location"), Some("/"), "{right}");
}

#[tokio::test]
async fn a_person_s_message_allowance_is_one_over_all_nodes() {
    let redis = TestRedis::start().await;
    let url = redis.url();
    // Three messages at once, then one every hundred seconds: none refills during the test.
    let tight = |c: &mut banter::server::Config| {
        c.rate = 0.01;
        c.burst = 3;
        c.redis_url = Some(url.clone());
    };
    let first = TestServer::start_with(tight).await;
    let mut here = first.join("ann").await;
    let second = TestServer::start_on(&first.database, first.storage.clone(), tight).await;
    let mut there = Client::connect(&second.ws_url(), &first.cookie("ann").await).await;
    there.send(&ClientFrame::Hello { room: "general".into(), after: None }).await;
    assert!(matches!(there.next().await, ServerFrame::Welcome { .. }));

    here.send_message("h1", "one").await;
    here.send_message("h2", "two").await;
    assert_eq!(here.ack("h2").await, 2);
    // The second node has its own three to give, but the person has one left in all.
    there.send_message("t1", "three").await;
    assert_eq!(there.ack("t1").await, 3);
    there.send_message("t2", "four").await;
    let (refused, _) =
        there.until(|f| matches!(f, ServerFrame::Error { client_id: Some(id), .. } if id == "t2")).await;
    assert!(matches!(refused, ServerFrame::Error { code: ErrorCode::RateLimited, .. }), "{refused:?}");
}

#[tokio::test]
async fn other_allowances_are_one_over_all_nodes_too() {
    use banter::server::limits::person_limits::ROOM_BURST;
    let redis = TestRedis::start().await;
    let (first, second, _third) = three_nodes(&redis).await;
    let ann = first.cookie("ann").await;
    // Rooms made in turn on two nodes: each node alone would allow twice as many.
    for n in 0..ROOM_BURST {
        let node = if n % 2 == 0 { &first } else { &second };
        let made = node.post_form("/api/create_room", Some(&ann), &format!("name=room-{n}")).await;
        assert!(header(&made, "location").is_some_and(|l| l.starts_with("/r/")), "{made}");
    }
    let refused = second.post_form("/api/create_room", Some(&ann), "name=one-more").await;
    assert_eq!(header(&refused, "location"), Some("/rooms?error=too-many-rooms"), "{refused}");
}

#[tokio::test]
async fn the_socket_caps_hold_over_all_nodes() {
    use tokio_tungstenite::tungstenite::http::StatusCode;
    let redis = TestRedis::start().await;
    let url = redis.url();
    let capped = |c: &mut banter::server::Config| {
        c.max_sockets_per_account = 2;
        c.redis_url = Some(url.clone());
    };
    let first = TestServer::start_with(capped).await;
    let ann = first.cookie("ann").await;
    let second = TestServer::start_on(&first.database, first.storage.clone(), capped).await;
    let _here = first.try_connect(&ann).await.expect("the first socket");
    let mut there = second.try_connect(&ann).await.expect("the second, on the other node");
    // The first node holds one of hers, but she has two open in all.
    assert_eq!(first.try_connect(&ann).await.err(), Some(StatusCode::TOO_MANY_REQUESTS));
    // Closing the one on the second node frees a place on the first, once it is counted gone.
    there.ws.close(None).await.expect("close");
    while !matches!(there.event().await, Event::Closed(_) | Event::Ended) {}
    first.connect_once_freed(&ann).await;
}

#[tokio::test]
async fn a_removal_while_redis_is_down_still_ends_the_socket_on_another_node() {
    let mut redis = TestRedis::start().await;
    let (first, second, _third) = three_nodes(&redis).await;
    let ann = first.cookie("ann").await;
    let bob = first.cookie("bob").await;
    let room = club(&first, &ann, &["bob"]).await;
    let mut in_club = joined(&second.ws_url(), &bob, &room).await;

    // The removal's event is lost with Redis; once Redis is back, the second node reads who
    // may still be in the club.
    redis.kill();
    first.post_form("/api/remove_member", Some(&ann), &format!("room={room}&username=bob")).await;
    redis.up().await;
    assert_eq!(in_club.close_code().await, CLOSE_REMOVED);
}

/// The usernames in the next `members` frame `client` hears.
async fn next_members(client: &mut Client) -> Vec<String> {
    let (frame, _) = client.until(|f| matches!(f, ServerFrame::Members { .. })).await;
    match frame {
        ServerFrame::Members { members, .. } => members.into_iter().map(|m| m.username).collect(),
        _ => unreachable!("until returns what it waited for"),
    }
}

#[tokio::test]
async fn the_member_list_follows_invitations_joins_and_removals_on_every_node() {
    let redis = TestRedis::start().await;
    let (first, second, _third) = three_nodes(&redis).await;
    let ann = first.cookie("ann").await;
    let bob = first.cookie("bob").await;
    let room = club(&first, &ann, &[]).await;
    // Ann's page on the node the changes are made on, and another on a node that only hears.
    let mut here = joined(&first.ws_url(), &ann, &room).await;
    let mut there = joined(&second.ws_url(), &ann, &room).await;
    here.hear_members();
    there.hear_members();

    first.post_form("/api/invite", Some(&ann), &format!("room={room}&username=bob")).await;
    assert_eq!(next_members(&mut here).await, ["ann", "bob"]);
    assert_eq!(next_members(&mut there).await, ["ann", "bob"]);

    first.post_form("/api/remove_member", Some(&ann), &format!("room={room}&username=bob")).await;
    assert_eq!(next_members(&mut here).await, ["ann"]);
    assert_eq!(next_members(&mut there).await, ["ann"]);

    // A public room: joining it with its button counts too, and a member's page hears it.
    first.post_form("/api/create_room", Some(&ann), "name=open").await;
    let mut open = joined(&second.ws_url(), &ann, "open").await;
    open.hear_members();
    second.post_form("/api/join_room", Some(&bob), "room=open").await;
    assert_eq!(next_members(&mut open).await, ["ann", "bob"]);
}
