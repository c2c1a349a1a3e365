//! Edits and deletions travel like messages: committed, sequenced, broadcast, replayed. A
//! client that was away sees each change once, in order, and ends with the current state.

use banter::ids::Seq;
use banter::protocol::{ClientFrame, ErrorCode, ResumeFrom, ServerFrame};

use crate::support::{Client, TestServer, eventually};

async fn change(client: &mut Client, frame: ClientFrame) -> Result<Seq, ErrorCode> {
    client.change(frame).await
}

fn edit(room: &str, id: &str, seq: Seq, body: &str) -> ClientFrame {
    ClientFrame::Edit { room: room.into(), client_id: id.into(), seq, body: body.into() }
}

fn delete(room: &str, id: &str, seq: Seq) -> ClientFrame {
    ClientFrame::Delete { room: room.into(), client_id: id.into(), seq }
}

#[tokio::test]
async fn a_client_that_was_away_sees_each_change_once_and_the_final_state() {
    let server = TestServer::start().await;
    let mut alice = server.join("alice").await;
    let mut bob = server.join("bob").await;
    let cookie = server.cookie("alice").await;
    alice.send_message("m1", "frist").await;
    let m1 = alice.ack("m1").await;
    let upload = server.upload(&cookie, "notes.txt", b"to be deleted").await.json();
    let id = serde_json::from_value(upload["id"].clone()).expect("an id");
    alice
        .send(&ClientFrame::Send {
            room: "general".into(),
            client_id: "m2".into(),
            body: "with a file".into(),
            attachments: vec![id],
            reply_to: None,
            thread: None,
            also_to_room: false,
        })
        .await;
    let m2 = alice.ack("m2").await;
    // Carol holds everything so far, then goes away.
    let carol = server.join_after("carol", Some(Seq(0))).await;
    drop(carol);

    let e1 = change(&mut alice, edit("general", "e1", m1, "first")).await.expect("edited");
    // A resend of the same edit is applied once: the same seq.
    assert_eq!(change(&mut alice, edit("general", "e1", m1, "first")).await, Ok(e1));
    let e2 = change(&mut alice, edit("general", "e2", m1, "**first**, really")).await.expect("edited again");
    let d1 = change(&mut alice, delete("general", "d1", m2)).await.expect("deleted");
    alice.send_message("m3", "after all that").await;
    let m3 = alice.ack("m3").await;
    assert!(m1 < m2 && m2 < e1 && e1 < e2 && e2 < d1 && d1 < m3, "{m1} {m2} {e1} {e2} {d1} {m3}");

    // Bob, connected, saw each change live, in order.
    let mut seen = Vec::new();
    while seen.last() != Some(&m3) {
        match bob.next().await {
            ServerFrame::Edited { seq, target, .. } | ServerFrame::Deleted { seq, target, .. } => {
                assert!(target == m1 || target == m2);
                seen.push(seq);
            }
            ServerFrame::Message(message) => seen.push(message.seq),
            _ => {}
        }
    }
    assert_eq!(seen, vec![m1, m2, e1, e2, d1, m3]);

    // Carol resumes after m2: the three changes, once each, in order, then m3.
    let mut carol = server.join_after("carol", Some(m2)).await;
    let mut replay = Vec::new();
    while !replay.iter().any(|(seq, _)| *seq == m3) {
        match carol.next().await {
            ServerFrame::Edited { seq, target, body, html, .. } => {
                assert_eq!((target, body.as_str()), (m1, "**first**, really"), "the current text");
                assert_eq!(html, "<p><strong>first</strong>, really</p>");
                replay.push((seq, "edited"));
            }
            ServerFrame::Deleted { seq, target, .. } => {
                assert_eq!(target, m2);
                replay.push((seq, "deleted"));
            }
            ServerFrame::Messages { messages, .. } => {
                replay.extend(messages.iter().map(|m| (m.seq, "message")))
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(replay, vec![(e1, "edited"), (e2, "edited"), (d1, "deleted"), (m3, "message")]);

    // A fresh page shows the current state: edited, and deleted with nothing left of it.
    let page = server.get_as(&cookie, "/").await;
    assert!(page.contains("<strong>first</strong>, really"));
    assert!(!page.contains("with a file") && !page.contains("frist"));
    let url = upload["url"].as_str().expect("url");
    assert_eq!(server.fetch(&cookie, url, "").await.status, 404);
    let store = server.store().await;
    let history = store.page(banter::ids::RoomId(1), "general", None, 50).await.expect("history");
    let deleted = history.messages.iter().find(|m| m.seq == m2).expect("still in order");
    assert!(deleted.deleted && deleted.body.is_empty() && deleted.attachments.is_empty());
    // The file itself goes right after the commit.
    let id = upload["id"].as_str().unwrap_or("?");
    eventually("the file is deleted", async || {
        !server.storage.files().await.iter().any(|name| name.starts_with(id))
    })
    .await;
}

#[tokio::test]
async fn only_authors_edit_and_only_authors_or_moderators_delete() {
    let server = TestServer::start().await;
    let mut alice = server.join("alice").await;
    let mut bob = server.join("bob").await;
    alice.send_message("a1", "alice's").await;
    let a1 = alice.ack("a1").await;
    assert_eq!(change(&mut bob, edit("general", "b1", a1, "bob's now")).await, Err(ErrorCode::NotYours));
    // #general has no moderator: nobody deletes anyone else's message there.
    assert_eq!(change(&mut bob, delete("general", "b2", a1)).await, Err(ErrorCode::NotYours));
    assert_eq!(change(&mut bob, delete("general", "b3", Seq(999))).await, Err(ErrorCode::NoSuchMessage));
    let gone = change(&mut alice, delete("general", "a2", a1)).await.expect("deleted");
    assert!(gone > a1);
    assert_eq!(change(&mut alice, edit("general", "a3", a1, "back")).await, Err(ErrorCode::NoSuchMessage));

    // In a private room, its creator moderates: they may delete anyone's message there.
    let ann = server.cookie("ann").await;
    server.cookie("cat").await;
    let room = server.private_room(&ann, "club", &["cat"]).await;
    let mut cat = server.connect("cat").await;
    cat.send(&ClientFrame::Hello { room: room.clone().into(), after: Some(ResumeFrom::Seq(Seq(0))) }).await;
    cat.send(&ClientFrame::Send {
        room: room.clone().into(),
        client_id: "c1".into(),
        body: "hi".into(),
        attachments: vec![],
        reply_to: None,
        thread: None,
        also_to_room: false,
    })
    .await;
    let c1 = cat.ack("c1").await;
    let mut ann_ws = server.connect("ann").await;
    ann_ws.send(&ClientFrame::Hello { room: room.clone().into(), after: None }).await;
    assert!(change(&mut ann_ws, delete(&room, "n1", c1)).await.is_ok());
    let (frame, _) = cat.until(|f| matches!(f, ServerFrame::Deleted { .. })).await;
    assert!(matches!(frame, ServerFrame::Deleted { target, .. } if target == c1));
}

#[tokio::test]
async fn reactions_toggle_and_a_resuming_client_gets_the_current_ones() {
    let server = TestServer::start().await;
    let mut alice = server.join("alice").await;
    let mut bob = server.join("bob").await;
    alice.send_message("m1", "react to me").await;
    let m1 = alice.ack("m1").await;
    let react = |id: &str, emoji: &str| ClientFrame::React {
        room: "general".into(),
        client_id: id.into(),
        seq: m1,
        emoji: emoji.into(),
    };
    assert!(change(&mut bob, react("r1", "👍")).await.is_ok());
    assert!(change(&mut alice, react("r2", "👍")).await.is_ok());
    assert!(change(&mut alice, react("r3", "🎉")).await.is_ok());
    // The same reaction again takes it back.
    let last = change(&mut alice, react("r4", "🎉")).await.expect("taken back");
    let (frame, _) = bob.until(|f| matches!(f, ServerFrame::Reactions { seq, .. } if *seq == last)).await;
    let ServerFrame::Reactions { reactions, .. } = frame else { unreachable!() };
    let expected =
        vec![banter::model::Reaction { emoji: "👍".into(), users: vec!["bob".into(), "alice".into()] }];
    assert_eq!(reactions, expected);
    assert_eq!(change(&mut bob, react("r5", "👍👍")).await, Err(ErrorCode::InvalidReaction));
    assert_eq!(change(&mut bob, react("r6", "nope")).await, Err(ErrorCode::InvalidReaction));

    // History carries them; a client that held m1 gets the current reactions once per change.
    let cookie = server.cookie("alice").await;
    let store = server.store().await;
    let page = store.page(banter::ids::RoomId(1), "general", None, 50).await.expect("history");
    assert_eq!(
        page.messages.iter().find(|m| m.seq == m1).map(|m| m.reactions.clone()),
        Some(expected.clone())
    );
    let mut carol = server.join_after("carol", Some(m1)).await;
    for _ in 0..4 {
        match carol.next().await {
            ServerFrame::Reactions { target, reactions, .. } => {
                assert_eq!((target, reactions), (m1, expected.clone()));
            }
            other => panic!("expected reactions, got {other:?}"),
        }
    }
    let page = server.get_as(&cookie, "/").await;
    assert!(page.contains(r#"class="reaction""#) && page.contains("👍"), "the page draws the reactions");
}

#[tokio::test]
async fn a_reply_carries_a_quote_that_follows_the_original() {
    let server = TestServer::start().await;
    let mut alice = server.join("alice").await;
    let mut bob = server.join("bob").await;
    alice.send_message("q1", "what time is the meeting?").await;
    let q1 = alice.ack("q1").await;
    let reply = |id: &str, to: Seq| ClientFrame::Send {
        room: "general".into(),
        client_id: id.into(),
        body: "at noon".into(),
        attachments: Vec::new(),
        reply_to: Some(to),
        thread: None,
        also_to_room: false,
    };
    bob.send(&reply("r1", q1)).await;
    let r1 = bob.ack("r1").await;
    let (frame, _) = alice.until(|f| matches!(f, ServerFrame::Message(m) if m.seq == r1)).await;
    let ServerFrame::Message(message) = frame else { unreachable!() };
    let quote = message.reply_to.expect("a quote");
    assert_eq!(
        (quote.seq, quote.author.as_str(), quote.excerpt.as_str()),
        (q1, "alice", "what time is the meeting?")
    );
    // No such message: refused, nothing stored.
    bob.send(&reply("r2", Seq(999))).await;
    let (frame, _) =
        bob.until(|f| matches!(f, ServerFrame::Error { client_id: Some(id), .. } if id == "r2")).await;
    assert!(matches!(frame, ServerFrame::Error { code: ErrorCode::NoSuchMessage, .. }));
    // The original deleted: the reply says so, in history and on the page.
    change(&mut alice, delete("general", "d1", q1)).await.expect("deleted");
    let store = server.store().await;
    let page = store.page(banter::ids::RoomId(1), "general", None, 50).await.expect("history");
    let quote = page.messages.iter().find(|m| m.seq == r1).and_then(|m| m.reply_to.clone()).expect("a quote");
    assert!(quote.deleted && quote.excerpt.is_empty());
    let html = server.get_as(&server.cookie("bob").await, "/").await;
    assert!(html.contains("a deleted message"), "the page says what the reply answered is gone");
}
