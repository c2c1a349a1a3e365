//! What ends a person's access on one node (a removal, a sign-out) ends it on every node,
//! even when no node hears of it; a private room is private everywhere (its messages, pins,
//! threads and read receipts); the member list follows on every node.

use super::*;
use banter::ids::Seq;

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
            room: room.clone().into(),
            client_id: "p1".into(),
            body: "the password is swordfish".into(),
            attachments: Vec::new(),
            reply_to: None,
            thread: None,
            also_to_room: false,
        })
        .await;
    ann_ws.ack("p1").await;

    for node in [&second, &third] {
        // Her hello gets the answer for a room that does not exist; so does its page.
        let mut eve_ws = Client::connect(&node.ws_url(), &eve).await;
        eve_ws
            .send(&ClientFrame::Hello { room: room.clone().into(), after: Some(ResumeFrom::Seq(Seq(0))) })
            .await;
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

/// Ann's club with bob in it, across three nodes: ann in it on the first, bob on the second,
/// eve (not a member) in general on the third.
struct ClubAcrossNodes {
    _redis: TestRedis,
    /// Serves ann's socket.
    _first: TestServer,
    second: TestServer,
    third: TestServer,
    bob: String,
    eve: String,
    room: String,
    ann_ws: Client,
    bob_ws: Client,
    eve_general: Client,
}

impl ClubAcrossNodes {
    async fn start() -> Self {
        let redis = TestRedis::start().await;
        let (first, second, third) = three_nodes(&redis).await;
        let ann = first.cookie("ann").await;
        let bob = first.cookie("bob").await;
        let eve = first.cookie("eve").await;
        let room = club(&first, &ann, &["bob"]).await;
        let ann_ws = joined(&first.ws_url(), &ann, &room).await;
        let bob_ws = joined(&second.ws_url(), &bob, &room).await;
        let eve_general = joined(&third.ws_url(), &eve, "general").await;
        Self { _redis: redis, _first: first, second, third, bob, eve, room, ann_ws, bob_ws, eve_general }
    }
}

#[tokio::test]
async fn a_pin_on_one_node_reaches_members_on_another_and_nobody_else() {
    let mut club = ClubAcrossNodes::start().await;
    let ClubAcrossNodes { second, third, bob, eve, room, ann_ws, bob_ws, eve_general, .. } = &mut club;

    let plan = ann_ws.say(room, "p1", "the plan, for the pins").await;
    let pin =
        ClientFrame::Pin { room: room.clone().into(), client_id: "pin1".into(), seq: plan, pinned: true };
    let at = ann_ws.change(pin).await.expect("ann pins in her room");
    let (frame, _) = bob_ws.until(|f| matches!(f, ServerFrame::Pinned { .. })).await;
    match frame {
        ServerFrame::Pinned { seq, target, pin: Some(pin), .. } => {
            assert_eq!((seq, target, pin.by.as_str()), (at, plan, "ann"));
        }
        other => panic!("expected the pin, got {other:?}"),
    }
    // Bob's node lists it; on any node, eve gets the answer for a room that does not exist.
    assert!(second.call("/api/room_pins", bob, &format!("room={room}")).await.contains("the plan"));
    for node in [&second, &third] {
        let outside = node.call("/api/room_pins", eve, &format!("room={room}")).await;
        assert!(outside.starts_with("HTTP/1.1 404") && !outside.contains("the plan"), "{outside}");
    }
    let heard = eve_general.round_trip().await;
    assert!(!heard.iter().any(|f| format!("{f:?}").contains("the plan")), "{heard:?}");
}

#[tokio::test]
async fn a_thread_reply_on_one_node_reaches_members_on_another_with_its_count_and_nobody_else() {
    let mut club = ClubAcrossNodes::start().await;
    let ClubAcrossNodes { second, third, bob, eve, room, ann_ws, bob_ws, eve_general, .. } = &mut club;

    let root = ann_ws.say(room, "t1", "where do we meet").await;
    let answer = ClientFrame::Send {
        room: room.clone().into(),
        client_id: "t2".into(),
        body: "the usual place".into(),
        attachments: Vec::new(),
        reply_to: None,
        thread: Some(root),
        also_to_room: false,
    };
    let seq = ann_ws.change(answer).await.expect("ann replies in her thread");
    let (frame, _) = bob_ws.until(|f| matches!(f, ServerFrame::Message(m) if m.seq == seq)).await;
    let ServerFrame::Message(reply) = frame else { unreachable!() };
    assert_eq!(reply.thread_root, Some(root));
    assert_eq!(reply.thread.map(|t| (t.replies, t.people)), Some((1, vec!["ann".to_owned()])));
    // Bob's node serves the thread; on any node, eve gets the answer for a room that does not exist.
    let path = "/api/load_thread";
    assert!(second.call(path, bob, &format!("room={room}&root={root}")).await.contains("the usual place"));
    for node in [&second, &third] {
        let outside = node.call(path, eve, &format!("room={room}&root={root}")).await;
        assert!(outside.starts_with("HTTP/1.1 404") && !outside.contains("usual"), "{outside}");
    }
    let heard = eve_general.round_trip().await;
    assert!(!heard.iter().any(|f| format!("{f:?}").contains("usual place")), "{heard:?}");
}

#[tokio::test]
async fn a_receipt_on_one_node_reaches_members_on_another_and_nobody_else() {
    let mut club = ClubAcrossNodes::start().await;
    let ClubAcrossNodes { second, third, bob, eve, room, ann_ws, eve_general, .. } = &mut club;

    let asked = ann_ws.say(room, "r1", "did you read this?").await;
    // Bob reads on the second node; ann's socket on the first hears it.
    let read = second.call("/api/mark_read", bob, &format!("room={room}&seq={asked}")).await;
    assert!(read.starts_with("HTTP/1.1 200"), "{read}");
    let (frame, _) = ann_ws.until(|f| matches!(f, ServerFrame::Read { .. })).await;
    let ServerFrame::Read { receipt, .. } = frame else { unreachable!() };
    assert_eq!((receipt.username.as_str(), receipt.seq), ("bob", asked));
    for node in [&second, &third] {
        let outside = node.call("/api/room_receipts", eve, &format!("room={room}")).await;
        assert!(outside.starts_with("HTTP/1.1 404") && !outside.contains("bob"), "{outside}");
    }
    let heard = eve_general.round_trip().await;
    assert!(!heard.iter().any(|f| matches!(f, ServerFrame::Read { .. })), "{heard:?}");
}

#[tokio::test]
async fn a_revoked_bot_token_closes_the_bots_sockets_on_every_node() {
    let redis = TestRedis::start().await;
    let (first, second, third) = three_nodes(&redis).await;
    let ann = first.cookie("ann").await;
    let token = crate::bots::bot(&first, &ann, "ci-bot").await;
    let room = club(&first, &ann, &["ci-bot"]).await;
    let mut sockets = Vec::new();
    for node in [&second, &third] {
        let mut socket = Client::connect_bot(&node.ws_url(), &token).await;
        socket.send(&ClientFrame::Hello { room: room.clone().into(), after: None }).await;
        assert!(matches!(socket.next().await, ServerFrame::Welcome { .. }));
        sockets.push(socket);
    }
    let revoked = first.call("/api/revoke_bot_token", &ann, "username=ci-bot").await;
    assert!(revoked.starts_with("HTTP/1.1 200"), "{revoked}");
    for socket in &mut sockets {
        assert_eq!(socket.close_code().await, CLOSE_SIGNED_OUT);
    }
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
            room: room.clone().into(),
            client_id: "after".into(),
            body: "not for bob".into(),
            attachments: Vec::new(),
            reply_to: None,
            thread: None,
            also_to_room: false,
        })
        .await;
    assert!(ann_ws.ack("after").await > Seq::ZERO);
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

/// Bob, in ann's club through the second node, is removed on the first while Redis is down;
/// then Redis comes back (`redis_comes_back`), or stays down while ann writes in the club.
/// Either way bob's socket ends, and before any message (`close_code` fails on one).
async fn bob_removed_while_redis_is_down(redis_comes_back: bool) {
    let mut redis = TestRedis::start().await;
    let (first, second, _third) = three_nodes(&redis).await;
    let ann = first.cookie("ann").await;
    let bob = first.cookie("bob").await;
    let room = club(&first, &ann, &["bob"]).await;
    let mut in_club = joined(&second.ws_url(), &bob, &room).await;

    redis.kill();
    first.post_form("/api/remove_member", Some(&ann), &format!("room={room}&username=bob")).await;
    if redis_comes_back {
        redis.up().await;
    } else {
        first.post_message(&ann, &room, "after", "not for bob").await;
    }
    assert_eq!(in_club.close_code().await, CLOSE_REMOVED);
}

/// The removal's event is lost with Redis; once Redis is back, the second node reads who may
/// still be in the club.
#[tokio::test]
async fn a_removal_while_redis_is_down_still_ends_the_socket_on_another_node() {
    bob_removed_while_redis_is_down(true).await;
}

/// Redis stays down: the second node reads ann's next message from the database, and the
/// removal committed before it ends bob's socket first.
#[tokio::test]
async fn while_redis_is_down_a_removal_read_from_the_database_comes_before_what_follows_it() {
    bob_removed_while_redis_is_down(false).await;
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
