//! Nothing lost, nothing doubled: resume, idempotent resend, slow consumers.

use banter::ids::Seq;
use banter::protocol::{CLOSE_SLOW_CONSUMER, ErrorCode, HISTORY_PAGE, RESUME_MAX, ServerFrame};

use crate::support::{Client, Event, FreshDatabase, TestServer, eventually};

async fn send_many(client: &mut Client, prefix: &str, count: usize) {
    for n in 0..count {
        client.send_message(&format!("{prefix}{n}"), &format!("{prefix} {n}")).await;
    }
    for n in 0..count {
        client.ack(&format!("{prefix}{n}")).await;
    }
}

#[tokio::test]
async fn resume_replays_what_was_missed_once_in_order() {
    let server = TestServer::start().await;
    let mut a = server.join("ann").await;
    let mut b = server.join("bob").await;
    send_many(&mut a, "before", 3).await;
    let (_, _) = b.until(|f| matches!(f, ServerFrame::Message(m) if m.seq == Seq(3))).await;
    drop(b);

    send_many(&mut a, "while-away", 5).await;

    let mut b = server.join_after("bob", Some(Seq(3))).await;
    let replay = b.next().await;
    let ServerFrame::Messages { messages, resync: false, .. } = replay else {
        panic!("expected a replay, got {replay:?}");
    };
    let seqs: Vec<Seq> = messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (4..=8).map(Seq).collect::<Vec<_>>());
    // Then live, with nothing repeated.
    a.send_message("after", "live again").await;
    let (frame, skipped) = b.until(|f| matches!(f, ServerFrame::Message(_))).await;
    assert!(matches!(frame, ServerFrame::Message(ref m) if m.seq == Seq(9)));
    assert!(skipped.iter().all(|f| matches!(f, ServerFrame::Presence { .. })));
}

#[tokio::test]
async fn resume_when_up_to_date_replays_nothing() {
    let server = TestServer::start().await;
    let mut a = server.join("ann").await;
    send_many(&mut a, "m", 2).await;
    let mut b = server.join_after("bob", Some(Seq(2))).await;
    assert!(b.round_trip().await.is_empty());
}

#[tokio::test]
async fn a_resent_message_is_stored_once_with_the_original_seq() {
    let server = TestServer::start().await;
    let mut sender = server.join("sender").await;
    let mut watcher = server.join("watcher").await;
    sender.send_message("same-id", "once only").await;
    let first = sender.ack("same-id").await;
    sender.send_message("same-id", "once only").await;
    assert_eq!(sender.ack("same-id").await, first);
    sender.send_message("next-id", "second").await;
    let second = sender.ack("next-id").await;
    assert_eq!(second, first + 1, "no seq was used up by the duplicate");

    let mut bodies = Vec::new();
    while bodies.len() < 2 {
        if let ServerFrame::Message(m) = watcher.next().await {
            bodies.push(m.body);
        }
    }
    assert_eq!(bodies, vec!["once only", "second"]);
}

#[tokio::test]
async fn a_client_too_far_behind_gets_a_resync() {
    let server = TestServer::start_with(|c| c.rate = 1e9).await;
    let mut a = server.join("ann").await;
    let total = usize::try_from(RESUME_MAX).unwrap() + 10;
    send_many(&mut a, "bulk", total).await;
    let mut b = server.join_after("bob", Some(Seq(1))).await;
    match b.next().await {
        ServerFrame::Messages { messages, resync: true, .. } => {
            assert_eq!(messages.len(), HISTORY_PAGE);
            assert_eq!(messages.last().map(|m| m.seq), Some(Seq(total as i64)));
        }
        other => panic!("expected a resync, got {other:?}"),
    }
}

#[tokio::test]
async fn a_resume_from_the_future_or_garbage_is_an_error_then_a_fresh_start() {
    let server = TestServer::start().await;
    let mut a = server.join("ann").await;
    send_many(&mut a, "m", 2).await;

    let mut future = server.join_after("future", Some(Seq(999))).await;
    assert!(matches!(future.next().await, ServerFrame::Error { code: ErrorCode::InvalidResume, .. }));
    match future.next().await {
        ServerFrame::Messages { messages, resync: true, .. } => assert_eq!(messages.len(), 2),
        other => panic!("expected the latest page, got {other:?}"),
    }

    let mut garbage = server.connect("gus").await;
    garbage.send_text(r#"{"v":1,"type":"hello","after":"yesterday"}"#).await;
    assert!(matches!(garbage.next().await, ServerFrame::Welcome { .. }));
    assert!(matches!(garbage.next().await, ServerFrame::Error { code: ErrorCode::InvalidResume, .. }));
    assert!(matches!(garbage.next().await, ServerFrame::Messages { resync: true, .. }));
    // And it is a working member.
    garbage.send_message("g1", "hi").await;
    assert_eq!(garbage.ack("g1").await, Seq(3));
}

#[tokio::test]
async fn a_slow_consumer_never_delays_others_and_loses_nothing() {
    let server = TestServer::start_with(|c| {
        c.rate = 1e9;
        c.burst = 1_000_000;
        c.queue_frames = 64;
        // Bytes are not what this test bounds (slow_reader.rs does that): room for the exact
        // replay below.
        c.queue_bytes = 64 * 1024 * 1024;
    })
    .await;
    let mut fast = server.join("fast").await;
    // Joins, then stops reading.
    let mut slow = server.join("slow").await;
    fast.round_trip().await;

    // Enough bytes to fill the socket buffers between the server and the slow reader.
    // 900 bodies of 4,000 four-byte characters: about 14 MB, more than the socket buffers
    // hold, and fewer messages than RESUME_MAX, so the resume below is an exact replay.
    let body = "\u{1D11E}".repeat(banter::protocol::MAX_BODY_CHARS);
    let count = 900;
    let mut publisher = server.join("pub").await;
    // The publisher sends 16 at a time, then waits for its ack and for the fast reader to have
    // read that far: however busy the machine, the fast reader is never 64 frames behind, nor
    // is the publisher itself (each message comes back to it with its ack: 32 frames a window,
    // half its queue, so a busy machine cannot evict it while the socket buffers are full).
    let (read_up_to, mut fast_has_read) = tokio::sync::watch::channel(0);
    let sender = tokio::spawn(async move {
        for window in (0..count).collect::<Vec<_>>().chunks(16) {
            for n in window {
                publisher.send_message(&format!("p{n}"), &body).await;
            }
            if let Some(last) = window.last() {
                let seq = publisher.ack(&format!("p{last}")).await;
                fast_has_read.wait_for(|read| *read >= seq.0).await.expect("the fast reader reads on");
            }
        }
        publisher
    });

    // The fast reader gets all of them, in order, while the slow one is stuck.
    let fast_reader = tokio::spawn(async move {
        let mut next_seq = 1;
        while next_seq <= count {
            if let ServerFrame::Message(m) = fast.next().await {
                assert_eq!(m.seq.0, next_seq);
                let _ = read_up_to.send(m.seq.0);
                next_seq += 1;
            }
        }
        fast
    });

    // The slow one is evicted once its queue is full. From then on the server gives its close
    // frame a short grace to get through (a client that never reads must not hold the
    // connection), so the slow client starts reading as soon as the server says it evicted.
    eventually("the slow consumer is evicted", async || server.metric("banter_evictions_total").await > 0)
        .await;
    // It is told to go away with 4001, after whatever fit in its queue.
    let mut last_seen = 0;
    loop {
        match slow.event().await {
            Event::Frame(ServerFrame::Message(m)) => {
                assert_eq!(m.seq.0, last_seen + 1, "no gap before the close");
                last_seen = m.seq.0;
            }
            Event::Frame(_) => {}
            Event::Closed(Some(frame)) => {
                assert_eq!(u16::from(frame.code), CLOSE_SLOW_CONSUMER);
                break;
            }
            other => panic!("expected close {CLOSE_SLOW_CONSUMER}, got {other:?}"),
        }
    }
    let _fast = fast_reader.await.expect("the fast reader got everything in order");
    let _publisher = sender.await.expect("publisher");
    assert!(last_seen < count, "it really was behind");

    // Resuming from where it got to brings the rest, once.
    let mut resumed = server.join_after("slow", Some(Seq(last_seen))).await;
    let mut seqs = Vec::new();
    while seqs.len() < usize::try_from(count - last_seen).unwrap() {
        match resumed.next().await {
            ServerFrame::Messages { messages, resync: false, .. } => {
                seqs.extend(messages.iter().map(|m| m.seq.0));
            }
            other => panic!("expected a replay, got {other:?}"),
        }
    }
    assert_eq!(seqs, ((last_seen + 1)..=count).collect::<Vec<_>>());
    assert!(resumed.round_trip().await.is_empty(), "nothing more, nothing twice");
}

#[tokio::test]
async fn a_locked_database_refuses_the_send_and_the_resend_succeeds() {
    use sqlx::Connection;
    // SQLite's own lock; PostgreSQL locks rows, not the database.
    let server = TestServer::start_fresh(FreshDatabase::sqlite(), |c| c.busy_timeout_ms = 200).await;
    let mut a = server.join("ann").await;
    a.send_message("before", "fine").await;
    assert_eq!(a.ack("before").await, Seq(1));

    // Another process holds the write lock.
    let url = server.database.to_string();
    let mut locker = sqlx::SqliteConnection::connect(&url).await.expect("second connection");
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut locker).await.expect("lock");

    a.send_message("during", "while locked").await;
    let (frame, _) = a.until(|f| matches!(f, ServerFrame::Error { .. } | ServerFrame::Ack { .. })).await;
    assert!(
        matches!(frame, ServerFrame::Error { code: ErrorCode::StoreUnavailable, client_id: Some(ref id), .. } if id == "during"),
        "{frame:?}"
    );

    sqlx::query("ROLLBACK").execute(&mut locker).await.expect("unlock");
    // The server stayed up; the client's resend of the same message is stored once.
    a.send_message("during", "while locked").await;
    assert_eq!(a.ack("during").await, Seq(2));
    a.send_message("after", "and on").await;
    assert_eq!(a.ack("after").await, Seq(3));
}
