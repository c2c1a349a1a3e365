//! Shutdown and crash: what was acknowledged survives, clients are told and can resume.

use banter::ids::Seq;
use std::process::Command;

use banter::protocol::ServerFrame;

use crate::support::process::Process;
use crate::support::{Client, Event, FreshDatabase, TestServer, sign_up};

#[tokio::test]
async fn graceful_shutdown_sends_going_away() {
    let mut server = TestServer::start().await;
    let mut a = server.join("ann").await;
    a.send_message("s1", "before shutdown").await;
    a.ack("s1").await;
    server.stop().await;
    match a.event().await {
        Event::Closed(Some(frame)) => assert_eq!(u16::from(frame.code), 1001),
        other => panic!("expected close 1001, got {other:?}"),
    }
    // The message was committed before the server exited.
    let store = server.store().await;
    let room = store.room_id("general").await.unwrap().unwrap();
    let page = store.page(room, "general", None, 10).await.unwrap();
    assert_eq!(page.messages.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(), vec!["before shutdown"]);
}

#[tokio::test]
async fn acknowledged_messages_survive_kill_9() {
    let fresh = FreshDatabase::new().await;
    let server = Process::start(&fresh, &[]);
    let url = format!("ws://{}/ws", server.addr);
    let cookie = sign_up(server.addr.parse().expect("an address"), "ann").await;
    let mut a = Client::connect(&url, &cookie).await;
    a.send_text(r#"{"v":1,"type":"hello"}"#).await;
    assert!(matches!(a.next().await, ServerFrame::Welcome { .. }));
    for n in 1..=20 {
        a.send_message(&format!("k{n}"), &format!("durable {n}")).await;
    }
    let acked = a.ack("k20").await;
    assert_eq!(acked, Seq(20));
    server.kill9();
    assert!(matches!(a.event().await, Event::Closed(_) | Event::Ended));

    // Start again on the same file; a client resuming from 10 gets 11..20 once.
    let server = Process::start(&fresh, &[]);
    let url = format!("ws://{}/ws", server.addr);
    // The session lives in the database too: the same cookie works after the crash.
    let mut b = Client::connect(&url, &cookie).await;
    b.send_text(r#"{"v":1,"type":"hello","after":10}"#).await;
    assert!(matches!(b.next().await, ServerFrame::Welcome { latest_seq: Seq(20), .. }));
    match b.next().await {
        ServerFrame::Messages { messages, resync: false, .. } => {
            let seqs: Vec<Seq> = messages.iter().map(|m| m.seq).collect();
            assert_eq!(seqs, (11..=20).map(Seq).collect::<Vec<_>>());
        }
        other => panic!("expected a replay, got {other:?}"),
    }
    // Sending the same client_id again after the crash is still a duplicate.
    b.send_message("k20", "durable 20").await;
    assert_eq!(b.ack("k20").await, Seq(20));
    server.kill9();
}

#[tokio::test]
async fn an_unwritable_database_path_fails_start_up_clearly() {
    let output = Command::new(env!("CARGO_BIN_EXE_banter"))
        .args(["--addr", "127.0.0.1:0", "--db", "/proc/banter-cannot-write-here/banter.db"])
        .arg("--leptos-config")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .output()
        .expect("binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot start without the database"), "{stderr}");
    assert!(stderr.contains("/proc/banter-cannot-write-here"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
