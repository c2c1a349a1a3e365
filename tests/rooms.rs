//! Rooms, private rooms and conversations: who sees what, on every path a client can take.
//!
//! Each test has a third person, eve, who is not a member, and checks that the pages, the
//! server functions and the WebSocket all answer her exactly as for a room that does not
//! exist.

use banter::ids::Seq;
use banter::protocol::{ClientFrame, ErrorCode, ServerFrame};

use crate::support::{TestServer, header, json_body};

/// What a non-member gets on every path, compared with a room that does not exist.
async fn assert_invisible(server: &TestServer, cookie: &str, username: &str, room: &str, secret: &str) {
    let page = server.get_as(cookie, &format!("/r/{room}")).await;
    let missing = server.get_as(cookie, "/r/no-such-room-anywhere").await;
    assert!(page.starts_with("HTTP/1.1 404"), "{page}");
    assert_eq!(page.lines().next(), missing.lines().next());
    assert!(page.contains(r#"id="room-not-found""#) && !page.contains(secret), "{page}");
    // Her sidebar does not list it.
    assert!(!server.get_as(cookie, "/").await.contains(&format!("data-room=\"{room}\"")));

    let older = server.post_form("/api/load_older", Some(cookie), &format!("room={room}&before=100")).await;
    assert!(!older.starts_with("HTTP/1.1 2") && !older.contains(secret), "{older}");
    assert!(older.contains("not found"), "{older}");

    let posted = server
        .post_form("/api/post_message", Some(cookie), &format!("room={room}&body=intruder&client_id=eve1"))
        .await;
    // Refused: an error, which a plain form post gets as a redirect carrying it.
    assert!(header(&posted, "serverfnerror").is_some() || posted.starts_with("HTTP/1.1 5"), "{posted}");

    let mut ws = server.connect(username).await;
    ws.send(&ClientFrame::Hello {
        room: room.into(),
        after: Some(banter::protocol::ResumeFrom::Seq(Seq(0))),
    })
    .await;
    match ws.next().await {
        ServerFrame::Error { code: ErrorCode::UnknownRoom, message, .. } => {
            assert_eq!(message, format!("no room named {room:?}"), "the same words as for no room at all")
        }
        other => panic!("expected unknown_room, got {other:?}"),
    }
}

async fn post(server: &TestServer, cookie: &str, room: &str, body: &str, id: &str) {
    let form = format!("room={room}&body={}&client_id={id}", body.replace(' ', "+"));
    let response = server.post_form("/api/post_message", Some(cookie), &form).await;
    assert!(response.starts_with("HTTP/1.1 302"), "{response}");
}

#[tokio::test]
async fn a_conversation_is_seen_by_its_two_people_only_on_every_path() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let eve = server.cookie("eve").await;

    let opened = server.post_form("/api/open_direct", Some(&ann), "username=bob").await;
    let location = header(&opened, "location").expect("to the conversation").to_owned();
    let room = location.strip_prefix("/r/").expect("a room URL").to_owned();
    assert!(room.starts_with("dm-"), "{room}");
    // Whoever starts it, it is the same conversation.
    let again = server.post_form("/api/open_direct", Some(&bob), "username=ANN").await;
    assert_eq!(header(&again, "location"), Some(location.as_str()));

    // Beside the conversation in ann's sidebar: whether bob is online.
    let entry = |page: String| {
        let entry = page.split(&format!(r#"data-room="{room}""#)).nth(1).map(|e| e.split("</a>").next());
        entry.flatten().unwrap_or_default().to_owned()
    };
    assert!(entry(server.get_as(&ann, "/").await).contains("dot offline"));

    // Bob is live in it, and sees ann's message arrive.
    let mut bob_ws = server.connect("bob").await;
    bob_ws.send(&ClientFrame::Hello { room: room.clone().into(), after: None }).await;
    assert!(matches!(bob_ws.next().await, ServerFrame::Welcome { .. }));
    assert!(entry(server.get_as(&ann, "/").await).contains("dot online"));
    let members = server.get_as(&ann, &location).await;
    let list = members.split(r#"class="members""#).nth(1).and_then(|m| m.split("</ul>").next());
    let list = list.unwrap_or_default();
    assert!(list.contains("bob") && list.contains(r#"class="dot online""#), "{list}");
    post(&server, &ann, &room, "for bob only", "d1").await;
    let (frame, _) = bob_ws.until(|f| matches!(f, ServerFrame::Message(_))).await;
    assert!(matches!(frame, ServerFrame::Message(ref m) if m.body == "for bob only" && m.author == "ann"));

    // Both have it on the page, titled with the other person's name.
    let page = server.get_as(&bob, &location).await;
    assert!(page.starts_with("HTTP/1.1 200") && page.contains("for bob only"), "{page}");
    assert!(page.contains(r#"id="room-title" class="room">ann<"#), "titled with the other person's name");

    assert_invisible(&server, &eve, "eve", &room, "for bob only").await;
    assert!(!server.get_as(&ann, &location).await.contains("intruder"));

    // And the general room, where eve is, never carried it.
    let mut eve_general = server.join("eve").await;
    post(&server, &ann, "general", "hello all", "g1").await;
    let (frame, _) = eve_general.until(|f| matches!(f, ServerFrame::Message(_))).await;
    assert!(matches!(frame, ServerFrame::Message(ref m) if m.body == "hello all"), "{frame:?}");
}

#[tokio::test]
async fn a_private_room_is_for_its_members_and_the_creator_manages_them() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let eve = server.cookie("eve").await;

    let created = server.post_form("/api/create_room", Some(&ann), "name=Secret-Club&private=on").await;
    let location = header(&created, "location").expect("to the room").to_owned();
    // Its address is made up by the server; the chosen name is its title.
    let room = location.strip_prefix("/r/").expect("a room URL").to_owned();
    assert!(room.starts_with("p-") && room.len() > 10, "{created}");
    assert!(server.get_as(&ann, &location).await.contains(r#"id="room-title" class="room">#secret-club<"#));
    // The same name again is no problem: nothing tells another person this one exists.
    let again = server.post_form("/api/create_room", Some(&bob), "name=secret-club&private=on").await;
    assert!(header(&again, "location").is_some_and(|l| l.starts_with("/r/p-") && l != location), "{again}");
    let public = server.post_form("/api/create_room", Some(&eve), "name=secret-club").await;
    assert_eq!(header(&public, "location"), Some("/r/secret-club"), "{public}");
    post(&server, &ann, &room, "members only", "p1").await;

    // Not listed for others, and invisible everywhere.
    let rooms = server.call("/api/load_rooms", &eve, "").await;
    assert!(
        rooms.starts_with("HTTP/1.1 200") && rooms.contains(r#""public":["general","secret-club"]"#),
        "{rooms}"
    );
    assert!(!rooms.contains(&room), "{rooms}");
    assert_invisible(&server, &bob, "bob", &room, "members only").await;
    assert_invisible(&server, &eve, "eve", &room, "members only").await;
    assert!(!server.get_as(&ann, &format!("/r/{room}")).await.contains("intruder"));

    // Only the creator invites.
    let refused = server.post_form("/api/invite", Some(&bob), &format!("room={room}&username=eve")).await;
    assert!(!refused.contains(&format!("location: /r/{room}\r\n")), "bob is not a member: {refused}");
    let invited = server.post_form("/api/invite", Some(&ann), &format!("room={room}&username=bob")).await;
    assert_eq!(header(&invited, "location"), Some(location.as_str()), "{invited}");
    let page = server.get_as(&bob, &format!("/r/{room}")).await;
    assert!(page.starts_with("HTTP/1.1 200") && page.contains("members only"), "{page}");
    // A member who is not the creator cannot invite either.
    let by_member = server.post_form("/api/invite", Some(&bob), &format!("room={room}&username=eve")).await;
    assert!(header(&by_member, "location").is_some_and(|l| l.contains("error=not-allowed")), "{by_member}");
    assert_invisible(&server, &eve, "eve", &room, "members only").await;

    // The creator removes; then bob is out again.
    let removed =
        server.post_form("/api/remove_member", Some(&ann), &format!("room={room}&username=bob")).await;
    assert_eq!(header(&removed, "location"), Some(location.as_str()), "{removed}");
    assert_invisible(&server, &bob, "bob", &room, "members only").await;

    // Members can leave.
    server.post_form("/api/invite", Some(&ann), &format!("room={room}&username=bob")).await;
    let left = server.post_form("/api/remove_member", Some(&bob), &format!("room={room}&username=bob")).await;
    assert_eq!(header(&left, "location"), Some("/rooms"), "{left}");
    assert_invisible(&server, &bob, "bob", &room, "members only").await;
}

#[tokio::test]
async fn public_rooms_are_listed_and_open_to_anyone_signed_in() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let eve = server.cookie("eve").await;
    let created = server.post_form("/api/create_room", Some(&ann), "name=lobby").await;
    assert_eq!(header(&created, "location"), Some("/r/lobby"));
    let taken = server.post_form("/api/create_room", Some(&eve), "name=LOBBY").await;
    assert!(header(&taken, "location").is_some_and(|l| l.contains("error=room-name-taken")));
    let bad = server.post_form("/api/create_room", Some(&eve), "name=two+words").await;
    assert!(header(&bad, "location").is_some_and(|l| l.contains("error=invalid-room-name")));

    let rooms = server.get_as(&eve, "/rooms").await;
    assert!(rooms.contains(r#"href="/r/lobby""#) && rooms.contains(r#"href="/r/general""#), "{rooms}");
    post(&server, &ann, "lobby", "welcome all", "l1").await;
    // Eve can read it without joining, and reading changes nothing: no membership, no
    // sidebar entry, and instead of the composer a Join form.
    let page = server.get_as(&eve, "/r/lobby").await;
    assert!(page.starts_with("HTTP/1.1 200") && page.contains("welcome all"), "{page}");
    assert!(page.contains(r#"id="join-room""#) && !page.contains(r#"id="message-input""#), "{page}");
    let list =
        page.split(r#"class="members""#).nth(1).and_then(|m| m.split("</ul>").next()).unwrap_or_default();
    assert!(list.contains(r#"value="ann""#) && !list.contains(r#"value="eve""#), "not a member: {list}");
    assert!(!server.get_as(&eve, "/").await.contains(r#"data-room="lobby""#));

    // Live, she hears the room but may not talk in it, by socket or by form.
    let mut eve_ws = server.connect("eve").await;
    eve_ws
        .send(&ClientFrame::Hello {
            room: "lobby".into(),
            after: Some(banter::protocol::ResumeFrom::Seq(Seq(0))),
        })
        .await;
    assert!(matches!(eve_ws.next().await, ServerFrame::Welcome { .. }));
    eve_ws
        .send(&ClientFrame::Send {
            room: "lobby".into(),
            client_id: "e1".into(),
            body: "hi".into(),
            attachments: Vec::new(),
            reply_to: None,
            thread: None,
            also_to_room: false,
        })
        .await;
    let (refused, _) = eve_ws.until(|f| matches!(f, ServerFrame::Error { .. })).await;
    assert!(matches!(refused, ServerFrame::Error { code: ErrorCode::NotMember, .. }), "{refused:?}");
    let form = server.post_form("/api/post_message", Some(&eve), "room=lobby&body=sneaky&client_id=e2").await;
    assert!(header(&form, "serverfnerror").is_some() && form.contains("join the room"), "{form}");

    // She joins (a plain form post): now she talks, on the socket she already had too.
    let joined = server.post_form("/api/join_room", Some(&eve), "room=lobby").await;
    assert_eq!(header(&joined, "location"), Some("/r/lobby"), "{joined}");
    eve_ws
        .send(&ClientFrame::Send {
            room: "lobby".into(),
            client_id: "e3".into(),
            body: "hello lobby".into(),
            attachments: Vec::new(),
            reply_to: None,
            thread: None,
            also_to_room: false,
        })
        .await;
    assert!(eve_ws.ack("e3").await > Seq::ZERO);
    assert!(server.get_as(&eve, "/").await.contains(r#"data-room="lobby""#));
    let page = server.get_as(&eve, "/r/lobby").await;
    assert!(page.contains(r#"id="message-input""#) && !page.contains(r#"id="join-room""#), "{page}");
    let list =
        page.split(r#"class="members""#).nth(1).and_then(|m| m.split("</ul>").next()).unwrap_or_default();
    assert!(list.contains(r#"action="/api/open_direct""#) && list.contains("Message ann"), "{list}");
    assert!(!list.contains("Message eve"), "{list}");
    assert!(!page.contains("sneaky"));
}

#[tokio::test]
async fn private_rooms_and_conversations_cannot_be_joined_by_form() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let eve = server.cookie("eve").await;
    let room = server.private_room(&ann, "hideout", &[]).await;
    post(&server, &ann, &room, "hidden talk", "h1").await;
    let tried = server.post_form("/api/join_room", Some(&eve), &format!("room={room}")).await;
    assert!(header(&tried, "serverfnerror").is_some() && tried.contains("not found"), "{tried}");
    assert_invisible(&server, &eve, "eve", &room, "hidden talk").await;
}

#[tokio::test]
async fn unread_counts_come_from_the_server_and_clear_when_read() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let room = server.conversation(&ann, "bob").await;
    // Bob has been in general; ann writes to him twice.
    server.get_as(&bob, "/").await;
    post(&server, &ann, &room, "one", "u1").await;
    post(&server, &ann, &room, "two", "u2").await;
    let badge = format!(r#"data-room="{room}""#);
    let page = server.get_as(&bob, "/").await;
    let entry = page.split(&badge).nth(1).expect("the conversation is in bob's sidebar");
    let entry = entry.split("</a>").next().unwrap_or_default();
    assert!(entry.contains(r#"aria-label="2 unread""#), "{entry}");

    // Read on one device (the page tells the server), clear on every other.
    let read = server.post_form("/api/mark_read", Some(&bob), &format!("room={room}&seq=2")).await;
    assert!(read.starts_with("HTTP/1.1 2") || read.starts_with("HTTP/1.1 3"), "{read}");
    let page = server.get_as(&bob, "/").await;
    let entry = page.split(&badge).nth(1).and_then(|e| e.split("</a>").next()).unwrap_or_default();
    assert!(!entry.contains("unread"), "{entry}");
    // Your own messages are never unread to you.
    post(&server, &bob, &room, "three", "u3").await;
    let page = server.get_as(&bob, "/").await;
    let entry = page.split(&badge).nth(1).and_then(|e| e.split("</a>").next()).unwrap_or_default();
    assert!(!entry.contains("unread"), "{entry}");
    // A read position cannot be used to probe other rooms: eve gets "not found".
    let eve = server.cookie("eve").await;
    let probe = server.post_form("/api/mark_read", Some(&eve), &format!("room={room}&seq=1")).await;
    assert!(probe.contains("not found"), "{probe}");
}

#[tokio::test]
async fn typing_reaches_the_rooms_other_members_only_and_is_never_stored() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    server.cookie("bob").await;
    let room = server.conversation(&ann, "bob").await;
    let hello = |room: &str| ClientFrame::Hello { room: room.into(), after: None };

    let mut ann_ws = server.connect("ann").await;
    ann_ws.send(&hello(&room)).await;
    assert!(matches!(ann_ws.next().await, ServerFrame::Welcome { .. }));
    let mut bob_ws = server.connect("bob").await;
    bob_ws.send(&hello(&room)).await;
    assert!(matches!(bob_ws.next().await, ServerFrame::Welcome { .. }));
    let mut eve_ws = server.join("eve").await;

    // Twice in a row: passed on once (at most one per second per connection).
    ann_ws.send(&ClientFrame::Typing { room: room.clone().into() }).await;
    ann_ws.send(&ClientFrame::Typing { room: room.clone().into() }).await;
    ann_ws
        .send(&ClientFrame::Send {
            room: room.clone().into(),
            client_id: "t1".into(),
            body: "done typing".into(),
            attachments: Vec::new(),
            reply_to: None,
            thread: None,
            also_to_room: false,
        })
        .await;
    let (message, before) = bob_ws.until(|f| matches!(f, ServerFrame::Message(_))).await;
    assert!(matches!(message, ServerFrame::Message(ref m) if m.body == "done typing"));
    let typing: Vec<_> = before.iter().filter(|f| matches!(f, ServerFrame::Typing { .. })).collect();
    assert_eq!(
        typing,
        vec![&ServerFrame::Typing { room: room.clone().into(), username: "ann".into(), name: "ann".into() }]
    );
    // Not echoed to the typist.
    let (_, own) = ann_ws.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    assert!(!own.iter().any(|f| matches!(f, ServerFrame::Typing { .. })), "{own:?}");
    // Eve, elsewhere, hears nothing of it: her next frame is general's next message.
    post(&server, &ann, "general", "in general", "g1").await;
    let (_, eve_before) = eve_ws.until(|f| matches!(f, ServerFrame::Message(_))).await;
    assert!(!eve_before.iter().any(|f| matches!(f, ServerFrame::Typing { .. })), "{eve_before:?}");
    // Typing into a room the connection has not joined is refused, like sending.
    eve_ws.send(&ClientFrame::Typing { room: room.clone().into() }).await;
    assert!(matches!(eve_ws.next().await, ServerFrame::Error { code: ErrorCode::UnknownRoom, .. }));
    // Never stored: the room's history holds the message only.
    let page = server.get_as(&ann, &format!("/r/{room}")).await;
    assert!(page.contains("done typing") && !page.contains("is typing"));
}

#[tokio::test]
async fn members_connected_elsewhere_hear_of_new_messages_and_nobody_else_does() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    server.cookie("bob").await;
    let room = server.conversation(&ann, "bob").await;
    let mut bob_general = server.join("bob").await;
    let mut eve_general = server.join("eve").await;
    let mut ann_general = server.join("ann").await;
    bob_general.round_trip().await;

    post(&server, &ann, &room, "psst", "a1").await;
    post(&server, &ann, "general", "hello all", "a2").await;
    // Bob hears of the conversation's news, then general's message.
    let (news, _) = bob_general.until(|f| matches!(f, ServerFrame::Activity { .. })).await;
    assert_eq!(
        news,
        ServerFrame::Activity {
            room: room.clone().into(),
            seq: Seq(1),
            author: "ann".into(),
            username: "ann".into(),
            mentions: Vec::new(),
            // What a notification may show: members only hear of it.
            excerpt: "psst".into(),
            thread_root: None,
            also_in_room: false,
        }
    );
    // Eve (not a member) and ann (the author) get general's message with nothing before it.
    for client in [&mut eve_general, &mut ann_general] {
        let (_, before) = client.until(|f| matches!(f, ServerFrame::Message(_))).await;
        assert!(!before.iter().any(|f| matches!(f, ServerFrame::Activity { .. })), "{before:?}");
    }
}

#[tokio::test]
async fn presence_in_a_private_conversation_stays_in_it() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    server.cookie("bob").await;
    let room = server.conversation(&ann, "bob").await;
    let mut eve = server.join("eve").await;
    let mut bob_ws = server.connect("bob").await;
    bob_ws.send(&ClientFrame::Hello { room: room.clone().into(), after: None }).await;
    assert!(matches!(bob_ws.next().await, ServerFrame::Welcome { .. }));
    // Ann comes online in the conversation: bob hears it, eve (in general) does not.
    let mut ann_ws = server.connect("ann").await;
    ann_ws.send(&ClientFrame::Hello { room: room.clone().into(), after: None }).await;
    let (joined, _) = bob_ws.until(|f| matches!(f, ServerFrame::Presence { .. })).await;
    assert!(matches!(joined, ServerFrame::Presence { ref name, .. } if name == "ann"));
    post(&server, &ann, "general", "marker", "m1").await;
    let (_, before) = eve.until(|f| matches!(f, ServerFrame::Message(_))).await;
    assert!(!before.iter().any(|f| matches!(f, ServerFrame::Presence { .. })), "{before:?}");
}

#[tokio::test]
async fn new_people_are_in_general_from_the_start() {
    let server = TestServer::start().await;
    let cookie = server.cookie("newcomer").await;
    let rooms = server.call("/api/load_rooms", &cookie, "").await;
    assert!(rooms.starts_with("HTTP/1.1 200"), "{rooms}");
    let mine = rooms.split(r#""mine":"#).nth(1).unwrap_or_default();
    assert!(mine.contains(r#""name":"general""#), "{rooms}");
}

#[tokio::test]
async fn people_sharing_a_room_hear_when_someone_comes_online_or_goes_and_nobody_else_does() {
    let server = TestServer::start().await;
    server.cookie("ann").await;
    let eve = server.cookie("eve").await;
    server.cookie("bob").await;
    // Eve leaves general and keeps to a room of her own: she shares no room with bob.
    let left = server.post_form("/api/remove_member", Some(&eve), "room=general&username=eve").await;
    assert_eq!(header(&left, "location"), Some("/rooms"), "{left}");
    server.post_form("/api/create_room", Some(&eve), "name=eves-room").await;
    let mut eve_ws = server.connect("eve").await;
    eve_ws.hear_people();
    eve_ws.send(&ClientFrame::Hello { room: "eves-room".into(), after: None }).await;
    assert!(matches!(eve_ws.next().await, ServerFrame::Welcome { .. }));
    let mut ann_ws = server.join("ann").await;
    ann_ws.hear_people();

    // Bob's first connection anywhere: ann (who shares general) hears it.
    let bob_ws = server.join("bob").await;
    let (came, _) = ann_ws.until(|f| matches!(f, ServerFrame::Person { .. })).await;
    assert_eq!(came, ServerFrame::Person { username: "bob".into(), online: true });
    // His last one closes: ann hears that too.
    drop(bob_ws);
    let (went, _) = ann_ws.until(|f| matches!(f, ServerFrame::Person { .. })).await;
    assert_eq!(went, ServerFrame::Person { username: "bob".into(), online: false });

    // Eve heard nothing about bob: her next frame is her own room's next message.
    let posted =
        server.post_form("/api/post_message", Some(&eve), "room=eves-room&body=alone&client_id=e1").await;
    assert!(posted.starts_with("HTTP/1.1 302"), "{posted}");
    let (_, before) = eve_ws.until(|f| matches!(f, ServerFrame::Message(_))).await;
    assert!(!before.iter().any(|f| matches!(f, ServerFrame::Person { .. })), "{before:?}");
}

/// In a room of more than `PERSON_NEWS_IN_ROOMS_UP_TO` members, someone coming online is not
/// news to every member (N² frames as a crowd arrives); in a small room shared with them it is.
#[tokio::test]
async fn coming_online_is_news_in_a_small_room_not_to_a_crowded_one() {
    use banter::server::realtime::presence::PERSON_NEWS_IN_ROOMS_UP_TO;

    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    server.cookie("carol").await;
    let bob = server.cookie("bob").await;
    // Ann and bob share a small room too; carol shares only #general with bob.
    server.post_form("/api/create_room", Some(&ann), "name=pair").await;
    server.post_form("/api/join_room", Some(&bob), "room=pair").await;
    // #general past the bound, its members made through the store.
    let store = server.store().await;
    let ann_user = store.user_by_username("ann").await.expect("read").expect("ann");
    let general = store.room_for(ann_user.id, "general").await.expect("read").expect("general");
    for n in 0..PERSON_NEWS_IN_ROOMS_UP_TO {
        let name = format!("crowd{n}");
        let user = store.create_user(&name, "-", &name).await.expect("a member");
        store.join_public(&general, user.id).await.expect("joined");
    }

    let mut ann_ws = server.join("ann").await;
    ann_ws.hear_people();
    let mut carol_ws = server.join("carol").await;
    carol_ws.hear_people();
    let _bob_ws = server.join("bob").await;
    // Ann hears it through the small room, and what goes to one goes to all at once.
    let (came, _) = ann_ws.until(|f| matches!(f, ServerFrame::Person { .. })).await;
    assert_eq!(came, ServerFrame::Person { username: "bob".into(), online: true });

    // Carol, in the crowded room only, heard nothing about bob before the next message.
    let posted = server.post_form("/api/post_message", Some(&ann), "room=general&body=hi&client_id=c1").await;
    assert!(posted.starts_with("HTTP/1.1 302"), "{posted}");
    let (_, before) = carol_ws.until(|f| matches!(f, ServerFrame::Message(_))).await;
    assert!(!before.iter().any(|f| matches!(f, ServerFrame::Person { .. })), "{before:?}");
}

#[tokio::test]
async fn a_room_far_behind_counts_its_unread_up_to_a_cap_and_exactly_once_caught_up() {
    use banter::api::RoomsPage;
    use banter::rooms::{MAX_UNREAD_COUNTED, unread_label};
    use banter::server::Store;
    use banter::server::messages::history::NewMessage;

    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let store = server.store().await;
    let author = store.user_by_username("ann").await.expect("read").expect("ann");
    let room = store.room_for(author.id, "general").await.expect("read").expect("general");
    // More history than is counted, stored as the sequencer stores it.
    let count = MAX_UNREAD_COUNTED + 5;
    let mut tx = store.begin().await.expect("a transaction");
    let mut seq = Store::claim_seqs(&mut tx, room.id).await.expect("claimed").last_seq;
    for n in 0..count {
        seq += 1;
        let message = NewMessage {
            room_id: room.id,
            room: room.name.clone(),
            client_id: format!("far-{n}"),
            author_id: Some(author.id),
            author: "ann".into(),
            username: "ann".into(),
            bot: false,
            via: None,
            html: "<p>again</p>".into(),
            mentions: Vec::new(),
            body: "again".into(),
            attachments: Vec::new(),
            placement: Default::default(),
        };
        Store::insert(&mut tx, &message, seq, banter::model::now_ms()).await.expect("stored");
    }
    Store::release_seqs(&mut tx, room.id, seq).await.expect("released");
    tx.commit().await.expect("committed");

    let unread = async |cookie: &str| -> i64 {
        let page: RoomsPage = json_body(&server.call("/api/load_rooms", cookie, "").await);
        page.mine.iter().find(|r| r.name == "general").expect("general").unread
    };
    assert_eq!(unread(&bob).await, MAX_UNREAD_COUNTED, "a thousand and more: counted to the cap");
    assert_eq!(unread_label(unread(&bob).await), "1000+");
    let read = server.call("/api/mark_read", &bob, &format!("room=general&seq={}", seq - 3)).await;
    assert!(read.starts_with("HTTP/1.1 200"), "{read}");
    assert_eq!(unread(&bob).await, 3, "counted exactly below the cap");
    assert_eq!(unread_label(3), "3");
    assert_eq!(unread(&ann).await, 0, "her own never count");
}
