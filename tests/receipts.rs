//! Read receipts: when a member's read position passes someone else's message, the room's
//! other members who keep receipts on hear it live (`read`), a fresh page shows it, a client
//! that was away hears each reader's latest once; nobody with receipts off, and nobody outside
//! the room, learns of them.

use banter::api::ChatPage;
use banter::ids::{Seq, Username};
use banter::model::Receipt;
use banter::protocol::{ClientFrame, ResumeFrom, ServerFrame};

use crate::support::{Client, TestServer, json_body};

/// Tell the server the account behind `cookie` has read `room` up to `seq`, as the page does.
async fn read(server: &TestServer, cookie: &str, room: &str, seq: Seq) {
    let answer = server.call("/api/mark_read", cookie, &format!("room={room}&seq={seq}")).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// The next `read` frame: (its seq, the receipt).
async fn receipt(client: &mut Client) -> (Seq, Receipt) {
    match client.until(|f| matches!(f, ServerFrame::Read { .. })).await.0 {
        ServerFrame::Read { seq, receipt, .. } => (seq, receipt),
        _ => unreachable!(),
    }
}

/// Every `read` frame the server had queued for `client`.
async fn receipts_queued(client: &mut Client) -> Vec<ServerFrame> {
    client.round_trip().await.into_iter().filter(|f| matches!(f, ServerFrame::Read { .. })).collect()
}

/// The room's page as the account behind `cookie` gets it.
async fn page(server: &TestServer, cookie: &str, room: &str) -> ChatPage {
    json_body(&server.call("/api/load_chat", cookie, &format!("room={room}")).await)
}

/// Who the page shows as having read how far: (username, seq).
fn positions(page: &ChatPage) -> Option<Vec<(String, Seq)>> {
    page.receipts.as_ref().map(|all| all.iter().map(|r| (r.username.to_string(), r.seq)).collect())
}

#[tokio::test]
async fn passing_someone_elses_message_tells_the_room_once_and_a_fresh_page_shows_it() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let room = server.private_room(&ann, "club", &["bob"]).await;
    let mut anns = server.join_room("ann", &room).await;
    let first = anns.say(&room, "a1", "lunch at noon?").await;

    read(&server, &bob, &room, first).await;
    let (seq, heard) = receipt(&mut anns).await;
    assert!(seq > first, "a receipt takes its own place in the room's order");
    assert_eq!((heard.username.as_str(), heard.name.as_str(), heard.seq), ("bob", "bob", first));
    assert_eq!(positions(&page(&server, &ann, &room).await), Some(vec![("bob".into(), first)]));
    let listed: Option<Vec<Receipt>> =
        json_body(&server.call("/api/room_receipts", &ann, &format!("room={room}")).await);
    assert_eq!(listed, Some(vec![heard]));

    // Reading on past the receipt itself, past his own message, or again: nothing new to tell
    // (what keeps receipts from bouncing between open pages).
    read(&server, &bob, &room, seq).await;
    let mut bobs = server.join_room("bob", &room).await;
    let own = bobs.say(&room, "b1", "yes").await;
    read(&server, &bob, &room, own).await;
    read(&server, &bob, &room, own).await;
    assert_eq!(receipts_queued(&mut anns).await, []);

    // A position past the room's latest message is kept at the latest: what comes later is
    // not read in advance.
    read(&server, &bob, &room, Seq(1_000_000)).await;
    let later = anns.say(&room, "a2", "see you there").await;
    assert_eq!(positions(&page(&server, &ann, &room).await), Some(vec![("bob".into(), first)]));
    read(&server, &bob, &room, later).await;
    assert_eq!(receipt(&mut anns).await.1.seq, later);
    // Bob's own page shows ann's position, not his.
    read(&server, &ann, &room, own).await;
    assert_eq!(positions(&page(&server, &bob, &room).await), Some(vec![("ann".into(), own)]));
}

#[tokio::test]
async fn turning_receipts_off_hides_them_both_ways() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let carol = server.cookie("carol").await;
    let room = server.private_room(&ann, "club", &["bob", "carol"]).await;
    // Off, by the profile's plain form (an unticked box sends nothing).
    let off = server.post_form("/api/set_read_receipts", Some(&bob), "").await;
    assert!(off.starts_with("HTTP/1.1 302"), "{off}");
    let me: Option<banter::model::Profile> = json_body(&server.call("/api/my_profile", &bob, "").await);
    assert_eq!(me.map(|me| me.read_receipts), Some(false));

    let mut anns = server.join_room("ann", &room).await;
    let mut bobs = server.join_room("bob", &room).await;
    let before = anns.say(&room, "a1", "who has read this?").await;
    read(&server, &carol, &room, before).await;
    assert_eq!(receipt(&mut anns).await.1.username, "carol");
    // Bob is not told carol's receipt, and his reading tells nobody.
    read(&server, &bob, &room, before).await;
    assert_eq!(receipts_queued(&mut bobs).await, []);
    assert_eq!(receipts_queued(&mut anns).await, []);
    assert_eq!(positions(&page(&server, &bob, &room).await), None);
    let listed = server.call("/api/room_receipts", &bob, &format!("room={room}")).await;
    assert_eq!(json_body::<Option<Vec<Receipt>>>(&listed), None);
    assert_eq!(positions(&page(&server, &ann, &room).await), Some(vec![("carol".into(), before)]));

    // Nor on resume.
    let marker = anns.say(&room, "a2", "one more").await;
    read(&server, &carol, &room, marker).await;
    assert_eq!(receipt(&mut anns).await.1.seq, marker);
    let mut back = server.connect("bob").await;
    back.send(&ClientFrame::Hello { room: room.clone().into(), after: Some(ResumeFrom::Seq(before)) }).await;
    let replay = back.round_trip().await;
    assert!(replay.iter().any(
        |f| matches!(f, ServerFrame::Messages { messages, .. } if messages.iter().any(|m| m.seq == marker))
    ));
    assert!(!replay.iter().any(|f| matches!(f, ServerFrame::Read { .. })), "{replay:?}");

    // On again: bob's reading tells the room again, and he sees others'.
    let again = server.post_form("/api/set_read_receipts", Some(&bob), "on=true").await;
    assert!(again.starts_with("HTTP/1.1 302"), "{again}");
    read(&server, &bob, &room, marker).await;
    assert_eq!(receipt(&mut anns).await.1.username, "bob");
    assert_eq!(receipt(&mut back).await.1.username, "bob", "his other connection hears it too");
}

#[tokio::test]
async fn a_client_that_was_away_hears_each_readers_latest_receipt_once() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let carol = server.cookie("carol").await;
    let room = server.private_room(&ann, "club", &["bob", "carol"]).await;
    let mut anns = server.join_room("ann", &room).await;
    // A page that only listens (`say` reads past what comes before its ack).
    let mut watch = server.join_room("ann", &room).await;
    let before = anns.say(&room, "a1", "held by ann's phone").await;

    // Ann's phone holds everything up to `before`; meanwhile:
    let m1 = anns.say(&room, "a2", "first").await;
    read(&server, &bob, &room, m1).await;
    let m2 = anns.say(&room, "a3", "second").await;
    read(&server, &bob, &room, m2).await;
    read(&server, &carol, &room, m1).await;
    let (bobs_first, _) = receipt(&mut watch).await;
    let (bobs_latest, _) = receipt(&mut watch).await;
    let (carols_latest, _) = receipt(&mut watch).await;
    assert!(bobs_first < bobs_latest && bobs_latest < carols_latest);

    let mut phone = server.connect("ann").await;
    phone.send(&ClientFrame::Hello { room: room.clone().into(), after: Some(ResumeFrom::Seq(before)) }).await;
    let heard: Vec<(Username, Seq, Seq)> = phone
        .round_trip()
        .await
        .into_iter()
        .filter_map(|f| match f {
            ServerFrame::Read { seq, receipt, .. } => Some((receipt.username, receipt.seq, seq)),
            _ => None,
        })
        .collect();
    assert_eq!(heard, [("bob".into(), m2, bobs_latest), ("carol".into(), m1, carols_latest)]);
}

#[tokio::test]
async fn nobody_outside_the_room_learns_of_its_receipts() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let dave = server.cookie("dave").await;
    let room = server.private_room(&ann, "club", &["bob"]).await;
    let outside = server.call("/api/room_receipts", &dave, &format!("room={room}")).await;
    let nowhere = server.call("/api/room_receipts", &dave, "room=no-such-room").await;
    assert!(outside.starts_with("HTTP/1.1 404"), "{outside}");
    assert_eq!(outside.split("\r\n\r\n").nth(1), nowhere.split("\r\n\r\n").nth(1));
    assert!(page(&server, &dave, &room).await.receipts.is_none());
    let probe = server.call("/api/mark_read", &dave, &format!("room={room}&seq=1")).await;
    assert!(probe.starts_with("HTTP/1.1 404"), "{probe}");

    // A public room read without joining: its messages, not who read them.
    let made = server.post_form("/api/create_room", Some(&ann), "name=lobby").await;
    assert!(made.starts_with("HTTP/1.1 302"), "{made}");
    let joined = server.post_form("/api/join_room", Some(&bob), "room=lobby").await;
    assert!(joined.starts_with("HTTP/1.1 302"), "{joined}");
    let mut anns = server.join_room("ann", "lobby").await;
    let mut daves = server.join_room("dave", "lobby").await;
    let said = anns.say("lobby", "g1", "hello all").await;
    read(&server, &bob, "lobby", said).await;
    assert_eq!(receipt(&mut anns).await.1.username, "bob");
    let heard = daves.round_trip().await;
    assert!(heard.iter().any(|f| matches!(f, ServerFrame::Message(m) if m.seq == said)), "{heard:?}");
    assert!(!heard.iter().any(|f| matches!(f, ServerFrame::Read { .. })), "{heard:?}");
    assert!(page(&server, &dave, "lobby").await.receipts.is_none());
    read(&server, &dave, "lobby", said).await;
    assert_eq!(receipts_queued(&mut anns).await, []);
}
