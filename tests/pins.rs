//! Pinned messages: a room's moderators (either person in a conversation) pin and unpin; every
//! open page hears it live, a client that was away catches up once, a fresh page lists the
//! pins, the moderation log records each act, and nobody outside a private room learns of them.

use banter::api::ChatPage;
use banter::ids::Seq;
use banter::model::Pin;
use banter::protocol::{ClientFrame, ErrorCode, MAX_PINS_PER_ROOM, ServerFrame};

use crate::support::{Client, TestServer, json_body};

fn pin(room: &str, id: &str, seq: Seq, pinned: bool) -> ClientFrame {
    ClientFrame::Pin { room: room.into(), client_id: id.into(), seq, pinned }
}

/// The next `pinned` frame: (its seq, its target, the pin).
async fn pinned(client: &mut Client) -> (Seq, Seq, Option<Pin>) {
    match client.until(|f| matches!(f, ServerFrame::Pinned { .. })).await.0 {
        ServerFrame::Pinned { seq, target, pin, .. } => (seq, target, pin),
        _ => unreachable!(),
    }
}

/// The room's page as the account behind `cookie` gets it.
async fn page(server: &TestServer, cookie: &str, room: &str) -> ChatPage {
    json_body(&server.call("/api/load_chat", cookie, &format!("room={room}")).await)
}

#[tokio::test]
async fn a_moderator_pins_everyone_hears_it_and_a_fresh_page_lists_it() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let dave = server.cookie("dave").await;
    let room = server.private_room(&ann, "club", &["bob"]).await;
    let mut anns = server.join_room("ann", &room).await;
    let mut bobs = server.join_room("bob", &room).await;
    let message = bobs.say(&room, "b1", "the **one** link everybody needs").await;

    // Bob is a member, not a moderator: he may not pin.
    assert_eq!(bobs.change(pin(&room, "p0", message, true)).await, Err(ErrorCode::NotModerator));
    // Ann made the room: she may.
    let at = anns.change(pin(&room, "p1", message, true)).await.expect("pinned");
    assert!(at > message);
    let (seq, target, heard) = pinned(&mut bobs).await;
    let heard = heard.expect("pinned, with who and when");
    assert_eq!((seq, target, heard.by.as_str()), (at, message, "ann"));
    assert_eq!(
        (heard.message.username.as_str(), heard.message.excerpt.as_str()),
        ("bob", "the **one** link everybody needs")
    );
    // A resend of the same pin is applied once.
    assert_eq!(anns.change(pin(&room, "p1", message, true)).await, Ok(at));

    let fresh = page(&server, &bob, &room).await;
    let info = fresh.info.expect("bob's room");
    assert_eq!(info.pins, std::slice::from_ref(&heard));
    assert!(!info.may_pin, "bob does not pin");
    assert!(fresh.history.messages.iter().any(|m| m.seq == message && m.pinned));
    assert!(page(&server, &ann, &room).await.info.expect("ann's room").may_pin);
    let pins: Vec<Pin> = json_body(&server.call("/api/room_pins", &bob, &format!("room={room}")).await);
    assert_eq!(pins, [heard]);

    // Outside the room, nothing: the same answer as for a room that does not exist.
    let outside = server.call("/api/room_pins", &dave, &format!("room={room}")).await;
    let nowhere = server.call("/api/room_pins", &dave, "room=no-such-room").await;
    assert!(outside.starts_with("HTTP/1.1 404"), "{outside}");
    assert_eq!(outside.split("\r\n\r\n").nth(1), nowhere.split("\r\n\r\n").nth(1));
    assert!(page(&server, &dave, &room).await.info.is_none());

    // Unpinned: heard live, gone from a fresh page, and both acts are on the log.
    let off = anns.change(pin(&room, "p2", message, false)).await.expect("unpinned");
    assert_eq!(pinned(&mut bobs).await, (off, message, None));
    let fresh = page(&server, &bob, &room).await;
    assert!(fresh.info.expect("bob's room").pins.is_empty());
    assert!(fresh.history.messages.iter().any(|m| m.seq == message && !m.pinned));
    let log: banter::api::ModerationPage =
        json_body(&server.call("/api/load_moderation", &ann, &format!("room={room}")).await);
    let acts: Vec<_> = log.lines.iter().map(|l| (l.action.as_str(), l.seq, l.target.as_deref())).collect();
    assert_eq!(acts, [("unpin", Some(message), Some("bob")), ("pin", Some(message), Some("bob"))]);
}

#[tokio::test]
async fn in_a_conversation_either_person_pins_and_a_room_holds_a_bounded_number() {
    let server = TestServer::start_with(|c| {
        c.rate = 1_000.0;
        c.burst = 1_000;
    })
    .await;
    let ann = server.cookie("ann").await;
    server.cookie("bob").await;
    let direct = server.conversation(&ann, "bob").await;
    let mut anns = server.join_room("ann", &direct).await;
    let mut bobs = server.join_room("bob", &direct).await;
    let hers = anns.say(&direct, "a1", "pin me").await;
    assert!(bobs.change(pin(&direct, "b1", hers, true)).await.is_ok(), "the other person pins too");

    let room = server.private_room(&ann, "club", &[]).await;
    let mut anns = server.join_room("ann", &room).await;
    let mut seqs = Vec::new();
    for n in 0..=MAX_PINS_PER_ROOM {
        seqs.push(anns.say(&room, &format!("m{n}"), &format!("message {n}")).await);
    }
    for (n, seq) in seqs.iter().take(MAX_PINS_PER_ROOM).enumerate() {
        assert!(anns.change(pin(&room, &format!("p{n}"), *seq, true)).await.is_ok());
    }
    let last = seqs[MAX_PINS_PER_ROOM];
    assert_eq!(anns.change(pin(&room, "over", last, true)).await, Err(ErrorCode::TooManyPins));
    // Pinning a pinned one again is no new pin; unpinning one makes room.
    assert!(anns.change(pin(&room, "again", seqs[0], true)).await.is_ok());
    assert!(anns.change(pin(&room, "off", seqs[0], false)).await.is_ok());
    assert!(anns.change(pin(&room, "now", last, true)).await.is_ok());
    let pins = page(&server, &ann, &room).await.info.expect("the room").pins;
    assert_eq!(pins.len(), MAX_PINS_PER_ROOM);
    assert_eq!(pins[0].message.seq, last, "the most recently pinned first");
    assert_eq!(anns.change(pin(&room, "gone", Seq(9_999), true)).await, Err(ErrorCode::NoSuchMessage));
}

#[tokio::test]
async fn a_client_that_was_away_hears_each_pin_once_and_a_deleted_message_loses_its_pin() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let room = server.private_room(&ann, "club", &["bob"]).await;
    let mut anns = server.join_room("ann", &room).await;
    let before = anns.say(&room, "a1", "held by bob").await;

    // Bob holds everything up to `before`, then is away while these happen.
    let e1 = anns.change(pin(&room, "p1", before, true)).await.expect("pinned");
    let later = anns.say(&room, "a2", "posted while bob was away").await;
    let e2 = anns.change(pin(&room, "p2", later, true)).await.expect("pinned");
    let gone = anns
        .change(ClientFrame::Delete { room: room.clone().into(), client_id: "d1".into(), seq: later })
        .await;
    let marker = anns.say(&room, "a3", "the end").await;
    assert!(gone.is_ok());

    let mut bobs = server.connect("bob").await;
    bobs.send(&ClientFrame::Hello {
        room: room.clone().into(),
        after: Some(banter::protocol::ResumeFrom::Seq(before)),
    })
    .await;
    let mut heard = Vec::new();
    while !heard.contains(&("message", marker)) {
        match bobs.next().await {
            ServerFrame::Pinned { seq, target, pin, .. } => {
                // Each says how the message stands now.
                let expected = if target == before { Some("ann") } else { None };
                assert_eq!(pin.as_ref().map(|p| p.by.as_str()), expected, "pin of {target}");
                heard.push(("pinned", seq));
            }
            ServerFrame::Messages { messages, .. } => {
                for message in messages {
                    if message.seq == later {
                        assert!(message.deleted && !message.pinned);
                    }
                    heard.push(("message", message.seq));
                }
            }
            ServerFrame::Welcome { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(heard, [("pinned", e1), ("message", later), ("pinned", e2), ("message", marker)]);

    let pins = page(&server, &bob, &room).await.info.expect("the room").pins;
    assert_eq!(pins.iter().map(|p| p.message.seq).collect::<Vec<_>>(), [before]);
}
