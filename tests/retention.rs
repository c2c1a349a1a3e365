//! How long history is kept: with `--retention-days`, messages older than that are deleted by
//! a background sweep as ordinary, sequenced deletions — gone from the page, their files gone,
//! and a client that was away told once — while a room an administrator set to keep its
//! history for ever keeps it.

use banter::ids::Seq;
use banter::protocol::{ClientFrame, ResumeFrom, ServerFrame};
use banter::server::operators::admin;
use banter::server::storage::store::Store;

use crate::support::{Client, TestServer, eventually};

const DAY_MS: i64 = 24 * 60 * 60 * 1_000;

/// Make message `seq` of `room` look `days` old.
async fn age(server: &TestServer, room: &str, seq: Seq, days: i64) {
    let sql = server.sql().await;
    let at = banter::model::now_ms() - days * DAY_MS;
    sqlx::query("UPDATE messages SET created_at = $1 WHERE seq = $2 AND room_id = (SELECT id FROM rooms WHERE name = $3)")
        .bind(at)
        .bind(seq)
        .bind(room)
        .execute(&sql)
        .await
        .unwrap();
}

/// The messages of `room` not deleted.
async fn live_seqs(store: &Store, room: &str) -> Vec<Seq> {
    let room_id = store.room_id(room).await.unwrap().expect("the room");
    let page = store.page(room_id, room, None, 50).await.unwrap();
    page.messages.iter().filter(|m| !m.deleted).map(|m| m.seq).collect()
}

#[tokio::test]
async fn history_past_its_retention_is_deleted_once_except_where_kept_for_ever() {
    let server = TestServer::start().await;
    let cookie = server.cookie("ann").await;
    let mut ann = server.join("ann").await;
    let upload = server.upload(&cookie, "minutes.txt", b"the old minutes").await.json();
    let file = upload["url"].as_str().expect("its address").to_owned();
    ann.send(&ClientFrame::Send {
        room: "general".into(),
        client_id: "o1".into(),
        body: "from long ago".into(),
        attachments: vec![serde_json::from_value(upload["id"].clone()).expect("an id")],
        reply_to: None,
        thread: None,
        also_to_room: false,
    })
    .await;
    let old = ann.ack("o1").await;
    assert_eq!(server.fetch(&cookie, &file, "").await.status, 200);
    let older = ann.say("general", "o2", "from longer ago").await;
    let recent = ann.say("general", "r1", "from this week").await;
    let _made = server.post_form("/api/create_room", Some(&cookie), "name=archive").await;
    let mut archive = server.join_room("ann", "archive").await;
    let kept = archive.say("archive", "k1", "kept for ever").await;
    drop((ann, archive));
    age(&server, "general", old, 40).await;
    age(&server, "general", older, 400).await;
    age(&server, "general", recent, 5).await;
    age(&server, "archive", kept, 400).await;
    let store = server.store().await;
    assert!(admin::set_retention(&store, "archive", "forever").await.is_ok());
    assert!(admin::set_retention(&store, "nowhere", "forever").await.is_err(), "no such room");
    assert!(admin::set_retention(&store, "archive", "soon").await.is_err(), "not a number of days");

    // A month's retention: the sweep runs when the server starts, and every hour after.
    let server = server.restart(|config| config.retention_days = 30).await;
    let store = server.store().await;
    eventually("the two old messages are deleted", async || {
        live_seqs(&store, "general").await.iter().all(|seq| *seq != old && *seq != older)
    })
    .await;
    assert!(live_seqs(&store, "general").await.contains(&recent));
    assert_eq!(live_seqs(&store, "archive").await, vec![kept], "the room kept for ever");
    let page = server.get_as(&cookie, "/").await;
    assert!(page.contains("from this week") && !page.contains("long ago"), "{page}");
    // Its file went with it.
    eventually("the old message's file is gone", async || {
        server.fetch(&cookie, &file, "").await.status == 404
    })
    .await;

    // A client that last saw the recent message is told of each deletion, once: its replay
    // ends before a message sent after it joined.
    let mut back = Client::connect(&server.ws_url(), &cookie).await;
    back.send(&ClientFrame::Hello { room: "general".into(), after: Some(ResumeFrom::Seq(recent)) }).await;
    let mut other = Client::connect(&server.ws_url(), &cookie).await;
    other.send(&ClientFrame::Hello { room: "general".into(), after: None }).await;
    other.until(|f| matches!(f, ServerFrame::Welcome { .. })).await;
    let marker = other.say("general", "m1", "marker").await;
    let mut told = Vec::new();
    loop {
        match back.next().await {
            ServerFrame::Deleted { target, .. } => told.push(target),
            ServerFrame::Message(message) if message.seq == marker => break,
            ServerFrame::Messages { messages, .. } if messages.iter().any(|m| m.seq == marker) => break,
            _ => {}
        }
    }
    told.sort_unstable();
    assert_eq!(told, vec![old.min(older), old.max(older)]);
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM message_events WHERE kind = 'delete'")
        .fetch_one(&server.sql().await)
        .await
        .unwrap();
    assert_eq!(events, 2, "each deleted once");
}
