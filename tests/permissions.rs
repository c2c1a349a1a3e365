//! Open sockets follow permissions: removal from a room, leaving it, signing out (here or
//! everywhere) and session expiry end the sockets they concern at once, with a documented
//! close code, and nothing sent on them afterwards is stored or relayed.

use banter::ids::Seq;
use banter::protocol::{CLOSE_REMOVED, CLOSE_SIGNED_OUT, ClientFrame, ErrorCode, ResumeFrom, ServerFrame};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::{Client, Event, TestServer, header};

async fn hello(client: &mut Client, room: &str) -> ServerFrame {
    client.send(&ClientFrame::Hello { room: room.into(), after: Some(ResumeFrom::Seq(Seq(0))) }).await;
    client.next().await
}

/// A private room titled `club` made by ann, with bob invited: both cookies and its address.
async fn club(server: &TestServer) -> (String, String, String) {
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let room = server.private_room(&ann, "club", &["bob"]).await;
    (ann, bob, room)
}

#[tokio::test]
async fn a_removed_member_is_cut_off_at_once_and_nothing_they_send_is_stored() {
    let server = TestServer::start().await;
    let (ann, _bob, room) = club(&server).await;
    let mut ann_ws = server.connect("ann").await;
    assert!(matches!(hello(&mut ann_ws, &room).await, ServerFrame::Welcome { .. }));
    let mut bob_ws = server.connect("bob").await;
    assert!(matches!(hello(&mut bob_ws, &room).await, ServerFrame::Welcome { .. }));
    // Bob's other socket, in general, is not touched by a removal from club.
    let mut bob_general = server.join("bob").await;

    let removed =
        server.post_form("/api/remove_member", Some(&ann), &format!("room={room}&username=bob")).await;
    assert_eq!(header(&removed, "location"), Some(format!("/r/{room}").as_str()), "{removed}");
    // The post has answered: by now bob's socket in the room has been told to close.
    bob_ws.send_to(&room, "after-removal", "still here?").await;
    ann_ws.send_to(&room, "a1", "bob is gone").await;
    assert_eq!(bob_ws.close_code().await, CLOSE_REMOVED);
    assert_eq!(ann_ws.ack("a1").await, Seq(1), "bob's late message took no place in the room");

    let page = server.get_as(&ann, &format!("/r/{room}")).await;
    assert!(page.contains("bob is gone") && !page.contains("still here?"), "{page}");
    // The general socket carries on.
    bob_general.round_trip().await;
}

#[tokio::test]
async fn leaving_a_room_ends_your_own_sockets_in_it() {
    let server = TestServer::start().await;
    let (_ann, bob, room) = club(&server).await;
    let mut bob_ws = server.connect("bob").await;
    assert!(matches!(hello(&mut bob_ws, &room).await, ServerFrame::Welcome { .. }));
    let left = server.post_form("/api/remove_member", Some(&bob), &format!("room={room}&username=bob")).await;
    assert_eq!(header(&left, "location"), Some("/rooms"), "{left}");
    assert_eq!(bob_ws.close_code().await, CLOSE_REMOVED);
    // And a new hello is refused as for a room that does not exist.
    let mut again = server.connect("bob").await;
    assert!(matches!(
        hello(&mut again, &room).await,
        ServerFrame::Error { code: ErrorCode::UnknownRoom, .. }
    ));
}

#[tokio::test]
async fn a_hello_racing_a_removal_never_stays_joined() {
    let server = TestServer::start().await;
    let (ann, _bob, room) = club(&server).await;
    for round in 0..20 {
        let invited = server.post_form("/api/invite", Some(&ann), &format!("room={room}&username=bob")).await;
        assert_eq!(header(&invited, "location"), Some(format!("/r/{room}").as_str()), "{invited}");
        let mut bob_ws = server.connect("bob").await;
        let form = format!("room={room}&username=bob");
        let remove = server.post_form("/api/remove_member", Some(&ann), &form);
        let frame = ClientFrame::Hello { room: room.clone().into(), after: None };
        let asked = bob_ws.send(&frame);
        let (_, removed) = tokio::join!(asked, remove);
        assert_eq!(header(&removed, "location"), Some(format!("/r/{room}").as_str()), "{removed}");
        match bob_ws.event().await {
            // The hello lost the race: refused.
            Event::Frame(ServerFrame::Error { code: ErrorCode::UnknownRoom, .. }) => {}
            // It won: the removal then ended it (the close may overtake the welcome).
            Event::Frame(ServerFrame::Welcome { .. }) => {
                assert_eq!(bob_ws.close_code().await, CLOSE_REMOVED, "round {round}")
            }
            Event::Closed(Some(frame)) => assert_eq!(u16::from(frame.code), CLOSE_REMOVED, "round {round}"),
            other => panic!("round {round}: {other:?}"),
        }
    }
}

/// Sign up `username` with a known password; then a second session by signing in.
async fn two_sessions(server: &TestServer, username: &str) -> (String, String) {
    let form = format!("username={username}&password=correct+horse");
    let first = server.post_form("/api/sign_up", None, &form).await;
    let second = server.post_form("/api/sign_in", None, &form).await;
    let cookie = |response: &str| banter::load::client::session_cookie(response).expect("a session");
    (cookie(&first), cookie(&second))
}

#[tokio::test]
async fn signing_out_ends_that_sessions_sockets_and_only_those() {
    let server = TestServer::start().await;
    let (laptop, phone) = two_sessions(&server, "dana").await;
    let url = server.ws_url();
    let mut joined = Client::connect(&url, &laptop).await;
    assert!(matches!(hello(&mut joined, "general").await, ServerFrame::Welcome { .. }));
    // A socket that has not said hello yet is ended too.
    let mut unjoined = Client::connect(&url, &laptop).await;
    let mut on_phone = Client::connect(&url, &phone).await;
    assert!(matches!(hello(&mut on_phone, "general").await, ServerFrame::Welcome { .. }));

    let out = server.post_form("/api/sign_out", Some(&laptop), "").await;
    assert_eq!(header(&out, "location"), Some("/signin"), "{out}");
    assert_eq!(joined.close_code().await, CLOSE_SIGNED_OUT);
    assert_eq!(unjoined.close_code().await, CLOSE_SIGNED_OUT);
    on_phone.send_to("general", "p1", "the phone still talks").await;
    assert_eq!(on_phone.ack("p1").await, Seq(1));
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_and_the_profile_lists_them_first() {
    let server = TestServer::start().await;
    let (laptop, phone) = two_sessions(&server, "erin").await;
    let profile = server.get_as(&laptop, "/profile").await;
    let list =
        profile.split(r#"id="sessions""#).nth(1).and_then(|l| l.split("</ul>").next()).unwrap_or_default();
    assert_eq!(list.matches(r#"class="session"#).count(), 2, "{list}");
    assert_eq!(list.matches("(this browser)").count(), 1, "{list}");

    let mut on_phone = Client::connect(&server.ws_url(), &phone).await;
    assert!(matches!(hello(&mut on_phone, "general").await, ServerFrame::Welcome { .. }));
    let out = server.post_form("/api/sign_out_everywhere", Some(&laptop), "").await;
    assert_eq!(header(&out, "location"), Some("/signin"), "{out}");
    assert_eq!(on_phone.close_code().await, CLOSE_SIGNED_OUT);
    assert!(server.get_as(&phone, "/").await.starts_with("HTTP/1.1 302"), "the phone's session is gone");
}

#[tokio::test]
async fn a_socket_ends_when_its_session_expires() {
    let server = TestServer::start().await;
    let cookie = server.cookie("fay").await;
    // Make the session end a moment from now, as if it had been made 30 days ago.
    let soon = banter::model::now_ms() + 5_000;
    sqlx::query("UPDATE sessions SET expires_at = $1")
        .bind(soon)
        .execute(&server.sql().await)
        .await
        .expect("update");
    let mut ws = Client::connect(&server.ws_url(), &cookie).await;
    let Event::Closed(Some(frame)) = ws.event().await else { panic!("expected a close") };
    assert_eq!(frame.code, CloseCode::from(CLOSE_SIGNED_OUT));
    assert_eq!(frame.reason.as_str(), "session expired");
}
