//! Whatever a client sends, the server answers with documented frames and stays up; and a few
//! seconds of misbehaving clients beside honest ones cost the honest ones nothing.

use banter::ids::Seq;
use banter::protocol::{ClientFrame, MAX_FRAME_BYTES, ServerFrame};
use futures::SinkExt;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{Client, Event, TestServer};

/// Arbitrary WebSocket messages: any text, JSON objects shaped like frames, any bytes.
fn hostile_message() -> impl Strategy<Value = Message> {
    use proptest::prelude::*;
    let field = prop_oneof![
        Just(serde_json::Value::Null),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,30}".prop_map(serde_json::Value::from),
        prop::collection::vec(".{0,4}", 0..3).prop_map(serde_json::Value::from),
    ];
    let frame_like = (
        prop_oneof![Just(serde_json::json!(1)), field.clone()],
        prop_oneof![Just("hello"), Just("send"), Just("typing"), Just("ping"), Just("nope")],
        prop::collection::btree_map(
            prop_oneof![Just("room"), Just("client_id"), Just("body"), Just("after"), Just("x")],
            field,
            0..4,
        ),
    )
        .prop_map(|(v, kind, fields)| {
            let mut object: serde_json::Map<String, serde_json::Value> =
                fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            object.insert("v".into(), v);
            object.insert("type".into(), kind.into());
            Message::text(serde_json::Value::Object(object).to_string())
        });
    prop_oneof![
        ".{0,100}".prop_map(Message::text),
        frame_like,
        prop::collection::vec(any::<u8>(), 0..100).prop_map(Message::binary),
    ]
}

#[tokio::test]
async fn arbitrary_frames_get_documented_answers_and_the_connection_lives_on() {
    let server = TestServer::start_with(|c| {
        c.rate = 1e6;
        c.burst = 1_000_000;
        c.hello_rate = 1e6;
        c.hello_burst = 1_000_000;
    })
    .await;
    let mut client = server.connect("fuzz").await;
    let mut runner = TestRunner::deterministic();
    let strategy = hostile_message();
    let mut refused = 0;
    for _ in 0..300 {
        let message = strategy.new_tree(&mut runner).expect("a value").current();
        client.ws.send(message).await.expect("send");
        // Everything the server says decodes as a server frame (`Client` checks), every error
        // has one of the documented codes (an unknown one would not decode), and a ping
        // still gets its pong: the connection is alive.
        for frame in client.round_trip().await {
            if let ServerFrame::Error { code, message, .. } = frame {
                assert!(!message.is_empty(), "{code:?} without words");
                refused += 1;
            }
        }
    }
    assert!(refused > 100, "the generator produced mostly bad input: {refused} refusals");
    // The server is fine for everyone else too.
    let mut other = server.join("other").await;
    other.send_message("ok1", "still here").await;
    assert!(other.ack("ok1").await > Seq::ZERO);
}

/// One honest person: sends `count` messages, reading as it goes.
async fn honest(server: &TestServer, name: &str, count: usize) -> Client {
    let mut client = server.join(name).await;
    for n in 0..count {
        let id = format!("{name}-{n}");
        client.send_message(&id, &format!("{name} says {n}")).await;
        client.ack(&id).await;
    }
    client
}

#[tokio::test]
async fn honest_clients_lose_nothing_beside_misbehaving_ones() {
    let server = TestServer::start_with(|c| {
        c.rate = 1e6;
        c.burst = 1_000_000;
        c.queue_bytes = 256 * 1024;
    })
    .await;
    let mut watcher = server.join("watcher").await;
    let stop = tokio::sync::watch::channel(false);

    // Misbehavers, each until the honest ones are done.
    let mut misbehaving = Vec::new();
    // A non-reader.
    misbehaving.push(server.join("sloth").await);
    // A flooder of junk and oversized frames, reconnecting whenever it is thrown out.
    let flood_cookie = server.cookie("flood").await;
    let url = server.ws_url();
    let mut stopped = stop.1.clone();
    let flooder = tokio::spawn(async move {
        let mut rounds = 0;
        while !*stopped.borrow_and_update() {
            let mut client = Client::connect(&url, &flood_cookie).await;
            for n in 0..50 {
                let junk = if n % 10 == 9 { "x".repeat(MAX_FRAME_BYTES + 1) } else { format!("{{junk {n}") };
                if client.ws.send(Message::text(junk)).await.is_err() {
                    break;
                }
            }
            client.send(&ClientFrame::Hello { room: "general".into(), after: None }).await;
            rounds += 1;
            // Read until the server has had enough of it (1009 for the oversized frame).
            while !matches!(client.event().await, Event::Closed(_) | Event::Ended) {}
        }
        rounds
    });

    // Two honest people talk, 100 messages each, at the same time.
    let (ann, bob) = tokio::join!(honest(&server, "ann", 100), honest(&server, "bob", 100));
    let _ = stop.0.send(true);
    let rounds = flooder.await.expect("flooder");
    assert!(rounds > 0);
    drop((ann, bob, misbehaving));

    // The watcher saw every honest message exactly once, in order, each person's in their order.
    let mut seen: Vec<(Seq, String)> = Vec::new();
    while seen.len() < 200 {
        if let ServerFrame::Message(message) = watcher.next().await {
            seen.push((message.seq, message.body));
        }
    }
    let seqs: Vec<Seq> = seen.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, (1..=200).map(Seq).collect::<Vec<_>>(), "gap-free, no duplicate");
    for name in ["ann", "bob"] {
        let theirs: Vec<String> =
            seen.iter().filter(|(_, b)| b.starts_with(name)).map(|(_, b)| b.clone()).collect();
        let expected: Vec<String> = (0..100).map(|n| format!("{name} says {n}")).collect();
        assert_eq!(theirs, expected);
    }
}
