//! Blocking, from outside: a block closes the two people's conversation (nothing new happens
//! in it, so the blocked person's socket hears nothing of it: no message, edit, reaction,
//! typing or read receipt), keeps one from starting, folds the blocked person's messages in
//! shared rooms for the blocker and keeps them out of the blocker's counts and mentions; the
//! blocked person is not told beyond their messages not being taken.

use banter::api::ChatPage;
use banter::protocol::{ClientFrame, ErrorCode, ServerFrame};

use crate::support::{Client, TestServer, header, json_body};

/// Block (`block_person`) or unblock (`unblock_person`) `username` as the account behind
/// `cookie`, from `room` when given: where the form goes back to.
async fn block(server: &TestServer, cookie: &str, call: &str, username: &str, room: Option<&str>) -> String {
    let form = match room {
        Some(room) => format!("username={username}&room={room}"),
        None => format!("username={username}"),
    };
    let answer = server.post_form(&format!("/api/{call}"), Some(cookie), &form).await;
    header(&answer, "location").unwrap_or_else(|| panic!("a redirect: {answer}")).to_owned()
}

/// The room's page as the account behind `cookie` gets it.
async fn page(server: &TestServer, cookie: &str, room: &str) -> ChatPage {
    json_body(&server.call("/api/load_chat", cookie, &format!("room={room}")).await)
}

/// The frames `client` had queued that are about `room` (any frame naming it).
async fn heard_of(client: &mut Client, room: &str) -> Vec<ServerFrame> {
    let quoted = format!("\"{room}\"");
    client
        .round_trip()
        .await
        .into_iter()
        .filter(|frame| banter::protocol::encode(frame).contains(&quoted))
        .collect()
}

#[tokio::test]
async fn a_block_closes_the_conversation_and_the_blocked_socket_hears_nothing_of_it() {
    let server = TestServer::start().await;
    let (ann, bob) = (server.cookie("ann").await, server.cookie("bob").await);
    let room = server.conversation(&ann, "bob").await;
    let mut ann_socket = server.join_room("ann", &room).await;
    let mut bob_socket = server.join_room("bob", &room).await;

    // Open: each hears the other's messages, typing and reading.
    let hello = ann_socket.say(&room, "a1", "hello bob").await;
    bob_socket.until(|f| matches!(f, ServerFrame::Message(m) if m.seq == hello)).await;
    ann_socket.send(&ClientFrame::Typing { room: room.clone().into() }).await;
    bob_socket.until(|f| matches!(f, ServerFrame::Typing { username, .. } if username == "ann")).await;
    let answer = bob_socket.say(&room, "b1", "hi ann").await;
    let read = server.call("/api/mark_read", &ann, &format!("room={room}&seq={answer}")).await;
    assert!(read.starts_with("HTTP/1.1 200"), "{read}");
    bob_socket.until(|f| matches!(f, ServerFrame::Read { .. })).await;

    assert_eq!(block(&server, &ann, "block_person", "bob", Some(&room)).await, format!("/r/{room}"));

    // Nobody writes in it any more, by socket or by call: the blocked person is told only
    // that the conversation is not taking messages.
    assert_eq!(
        bob_socket.change(Client::message(&room, "b2", "still there?")).await,
        Err(ErrorCode::ConversationClosed)
    );
    let call = server.call("/api/post_message", &bob, &format!("room={room}&body=hello&client_id=b3")).await;
    assert!(call.starts_with("HTTP/1.1 403") && call.contains("not_allowed"), "{call}");
    assert!(!call.to_lowercase().contains("block"), "{call}");
    assert_eq!(
        ann_socket.change(Client::message(&room, "a2", "one more thing")).await,
        Err(ErrorCode::ConversationClosed)
    );
    let edit = ClientFrame::Edit {
        room: room.clone().into(),
        client_id: "a3".into(),
        seq: hello,
        body: "edited".into(),
    };
    assert_eq!(ann_socket.change(edit).await, Err(ErrorCode::ConversationClosed));
    let react = ClientFrame::React {
        room: room.clone().into(),
        client_id: "a4".into(),
        seq: answer,
        emoji: "👍".into(),
    };
    assert_eq!(ann_socket.change(react).await, Err(ErrorCode::ConversationClosed));
    let pin =
        ClientFrame::Pin { room: room.clone().into(), client_id: "a5".into(), seq: answer, pinned: true };
    assert_eq!(ann_socket.change(pin).await, Err(ErrorCode::ConversationClosed));
    // Typing (from a fresh socket, past the first one's once-a-second relay) and reading.
    let mut ann_again = server.join_room("ann", &room).await;
    ann_again.send(&ClientFrame::Typing { room: room.clone().into() }).await;
    ann_again.round_trip().await;
    let read = server.call("/api/mark_read", &ann, &format!("room={room}&seq={}", answer + 10)).await;
    assert!(read.starts_with("HTTP/1.1 200"), "{read}");
    // (Nothing of bob's own reads since his last refusal: whatever was sent his way is here.)
    let told = heard_of(&mut bob_socket, &room).await;
    assert!(told.is_empty(), "the blocked socket heard: {told:?}");
    assert!(heard_of(&mut ann_socket, &room).await.iter().all(|f| matches!(f, ServerFrame::Error { .. })));

    // Either may still read it; only the blocker's page says why it is quiet.
    let bob_page = server.get_as(&bob, &format!("/r/{room}")).await;
    assert!(bob_page.contains("hello bob") && bob_page.contains(r#"id="message-input""#), "{bob_page}");
    assert!(!bob_page.contains("blocked-conversation") && !bob_page.contains("You blocked"), "{bob_page}");
    let ann_page = server.get_as(&ann, &format!("/r/{room}")).await;
    assert!(ann_page.contains("blocked-conversation") && ann_page.contains("Unblock @bob"), "{ann_page}");
    // Taking back what one wrote stays possible.
    let gone = ClientFrame::Delete { room: room.clone().into(), client_id: "a6".into(), seq: hello };
    assert!(ann_socket.change(gone).await.is_ok());

    // Unblocked: open again.
    assert_eq!(block(&server, &ann, "unblock_person", "bob", Some(&room)).await, format!("/r/{room}"));
    let again = ann_socket.say(&room, "a7", "sorry, go on").await;
    bob_socket.until(|f| matches!(f, ServerFrame::Message(m) if m.seq == again)).await;
}

#[tokio::test]
async fn a_block_either_way_keeps_a_conversation_from_starting() {
    let server = TestServer::start().await;
    let (carl, dave) = (server.cookie("carl").await, server.cookie("dave").await);
    assert_eq!(block(&server, &carl, "block_person", "dave", None).await, "/profile/blocked");

    for (cookie, other) in [(&dave, "carl"), (&carl, "dave")] {
        let opened = server.post_form("/api/open_direct", Some(cookie), &format!("username={other}")).await;
        assert_eq!(header(&opened, "location"), Some("/rooms?error=not-taking-messages"), "{opened}");
        let call = server.call("/api/open_direct", cookie, &format!("username={other}")).await;
        assert!(call.starts_with("HTTP/1.1 403"), "{call}");
    }
    let rooms = page(&server, &dave, "general").await.rooms;
    assert!(rooms.iter().all(|r| !r.name.starts_with("dm-")), "{rooms:?}");

    // The list, and its refusals.
    let list = server.get_as(&carl, "/profile/blocked").await;
    assert!(list.contains(r#"aria-label="Unblock dave""#) && !list.contains(r#"type="module""#), "{list}");
    assert_eq!(
        block(&server, &carl, "block_person", "carl", None).await,
        "/profile/blocked?error=block-yourself"
    );
    assert_eq!(
        block(&server, &carl, "block_person", "nobody-here", None).await,
        "/profile/blocked?error=no-such-person"
    );

    // Unblocked, a conversation starts and takes messages.
    block(&server, &carl, "unblock_person", "dave", None).await;
    assert!(server.get_as(&carl, "/profile/blocked").await.contains("You block nobody"));
    let room = server.conversation(&dave, "carl").await;
    let mut dave_socket = server.join_room("dave", &room).await;
    dave_socket.say(&room, "d1", "hello carl").await;
}

#[tokio::test]
async fn in_a_shared_room_a_blocked_persons_messages_fold_and_count_for_nothing() {
    let server = TestServer::start().await;
    let (owner, ann, _bob) =
        (server.cookie("owner").await, server.cookie("ann").await, server.cookie("bob").await);
    let room = server.private_room(&owner, "team", &["ann", "bob"]).await;
    block(&server, &ann, "block_person", "bob", Some(&room)).await;

    let mut bob_socket = server.join_room("bob", &room).await;
    let ServerFrame::Message(message) = bob_socket.answer(&room, "b1", "@ann @owner have a look").await
    else {
        panic!("the message is stored");
    };
    // The mention does not reach the person who blocks its author; it reaches the others.
    assert_eq!(message.mentions, vec!["owner".to_owned()]);

    // Counted for the others, not for the person who blocks its author.
    let count = |page: &ChatPage| page.rooms.iter().find(|r| r.name == room).map(|r| (r.unread, r.mentions));
    assert_eq!(count(&page(&server, &owner, "general").await), Some((1, 1)));
    assert_eq!(count(&page(&server, &ann, "general").await), Some((0, 0)));

    // Folded on the blocker's page, plain on everyone else's.
    let ann_page = page(&server, &ann, &room).await;
    assert_eq!(ann_page.blocked, vec!["bob".to_owned()]);
    let html = server.get_as(&ann, &format!("/r/{room}")).await;
    assert!(html.contains("Message from a blocked person") && html.contains("have a look"), "{html}");
    let theirs = server.get_as(&owner, &format!("/r/{room}")).await;
    assert!(!theirs.contains("Message from a blocked person") && theirs.contains("have a look"));
}
