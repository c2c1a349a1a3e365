//! Every limit is per person, or per address where there is no person yet: more sockets,
//! tabs or parallel requests buy nobody a bigger allowance.

use banter::ids::Seq;
use std::time::Instant;

use banter::protocol::{
    CLOSE_NO_HELLO, CLOSE_TOO_MANY, ClientFrame, ErrorCode, MAX_QUOTED_CHARS, ServerFrame,
};
use banter::server::accounts::signin_throttle::MAX_FAILURES_PER_USERNAME_AT_ADDRESS;
use tokio_tungstenite::tungstenite::http::StatusCode;

use crate::support::{Client, Event, TestServer, header};

#[tokio::test]
async fn sixty_parallel_wrong_passwords_get_only_the_limits_worth_of_checks() {
    let server = TestServer::start().await;
    let made = server.post_form("/api/sign_up", None, "username=gail&password=right+password").await;
    assert!(header(&made, "location") == Some("/"), "{made}");
    let started = Instant::now();
    let attempts =
        (0..60).map(|_| server.post_form("/api/sign_in", None, "username=gail&password=wrong+guess"));
    let answers = futures::future::join_all(attempts).await;
    let elapsed = started.elapsed();
    let checked = answers.iter().filter(|a| a.contains("error=wrong-password")).count();
    let throttled = answers.iter().filter(|a| a.contains("error=throttled")).count();
    assert_eq!(checked, MAX_FAILURES_PER_USERNAME_AT_ADDRESS as usize, "real password checks");
    assert_eq!(throttled, 60 - checked);
    println!("60 parallel wrong sign-ins: {checked} checked, {throttled} refused unchecked, in {elapsed:?}");
}

#[tokio::test]
async fn sign_up_is_throttled_per_address() {
    let server = TestServer::start_with(|c| c.signups_per_hour = 3).await;
    for n in 0..3 {
        let made =
            server.post_form("/api/sign_up", None, &format!("username=new{n}&password=long+enough")).await;
        assert_eq!(header(&made, "location"), Some("/"), "{made}");
    }
    let refused = server.post_form("/api/sign_up", None, "username=new3&password=long+enough").await;
    assert_eq!(header(&refused, "location"), Some("/signup?error=too-many-signups"), "{refused}");
    let page = server.get("/signup?error=too-many-signups").await;
    assert!(page.contains("Try again in an hour"), "{page}");
}

#[tokio::test]
async fn sockets_are_capped_per_account_and_per_address() {
    let server = TestServer::start_with(|c| {
        c.max_sockets_per_account = 3;
        c.max_sockets_per_address = 4;
    })
    .await;
    let ann = server.cookie("ann").await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(server.try_connect(&ann).await.expect("under the cap"));
    }
    assert_eq!(server.try_connect(&ann).await.err(), Some(StatusCode::TOO_MANY_REQUESTS));
    // Closing one frees its place (once the server has seen it go).
    let mut closing = held.pop().expect("a socket");
    closing.ws.close(None).await.expect("close");
    while !matches!(closing.event().await, Event::Closed(_) | Event::Ended) {}
    held.push(server.connect_once_freed(&ann).await);
    // Bob has his own allowance, but this address now holds four: its cap.
    let bob = server.cookie("bob").await;
    held.push(server.try_connect(&bob).await.expect("bob's first"));
    assert_eq!(server.try_connect(&bob).await.err(), Some(StatusCode::TOO_MANY_REQUESTS));
}

#[tokio::test]
async fn a_connection_that_never_says_hello_is_closed() {
    let server = TestServer::start_with(|c| c.hello_timeout = 1).await;
    let mut idle = server.connect("ann").await;
    // Pings are not a hello.
    idle.round_trip().await;
    match idle.event().await {
        Event::Closed(Some(frame)) => assert_eq!(u16::from(frame.code), CLOSE_NO_HELLO),
        other => panic!("expected a close, got {other:?}"),
    }
    // One that joins in time stays.
    let mut joined = server.join("bob").await;
    joined.round_trip().await;
}

#[tokio::test]
async fn the_message_rate_is_per_person_across_sockets_and_forms() {
    let server = TestServer::start_with(|c| {
        c.rate = 0.001;
        c.burst = 4;
    })
    .await;
    let mut first = server.join("ann").await;
    let mut second = server.join("ann").await;
    for n in 0..2 {
        first.send_message(&format!("a{n}"), "one tab").await;
        first.ack(&format!("a{n}")).await;
        second.send_message(&format!("b{n}"), "another tab").await;
        second.ack(&format!("b{n}")).await;
    }
    // Four sent over two sockets: the fifth is refused on either, and by form.
    second.send_message("b9", "one more").await;
    let (refused, _) = second.until(|f| matches!(f, ServerFrame::Error { .. })).await;
    assert!(matches!(refused, ServerFrame::Error { code: ErrorCode::RateLimited, .. }), "{refused:?}");
    let ann = server.cookie("ann").await;
    let form =
        server.post_form("/api/post_message", Some(&ann), "room=general&body=by+form&client_id=f1").await;
    assert!(header(&form, "serverfnerror").is_some() && form.contains("too many messages"), "{form}");
    assert!(!server.get_as(&ann, "/").await.contains("by form"));
    // Someone else is not affected.
    let mut bob = server.join("bob").await;
    bob.send_message("c1", "bob's turn").await;
    assert!(bob.ack("c1").await > Seq::ZERO);
}

#[tokio::test]
async fn a_reconnect_loop_is_closed_and_told_to_back_off() {
    let server = TestServer::start().await;
    let cookie = server.cookie("loopy").await;
    let mut last = None;
    for _ in 0..200 {
        let mut client = Client::connect(&server.ws_url(), &cookie).await;
        client.send(&ClientFrame::Hello { room: "general".into(), after: None }).await;
        match client.event().await {
            Event::Frame(ServerFrame::Welcome { .. }) => {
                client.ws.close(None).await.expect("close");
                // The server has read the close once it answers it.
                while !matches!(client.event().await, Event::Closed(_) | Event::Ended) {}
            }
            other => {
                last = Some((other, client.event().await));
                break;
            }
        }
    }
    let Some((refusal, close)) = last else { panic!("200 joins in a row were all let through") };
    assert!(
        matches!(refusal, Event::Frame(ServerFrame::Error { code: ErrorCode::RateLimited, .. })),
        "{refusal:?}"
    );
    assert!(matches!(close, Event::Closed(Some(ref f)) if u16::from(f.code) == CLOSE_TOO_MANY), "{close:?}");
}

#[tokio::test]
async fn error_frames_quote_only_a_short_prefix_of_what_was_sent() {
    let server = TestServer::start().await;
    let mut client = server.connect("ann").await;
    let long_room = "r".repeat(20_000);
    client.send(&ClientFrame::Hello { room: long_room.clone().into(), after: None }).await;
    match client.next().await {
        ServerFrame::Error { code: ErrorCode::UnknownRoom, message, .. } => {
            assert!(message.len() < MAX_QUOTED_CHARS + 40, "{} bytes", message.len());
        }
        other => panic!("{other:?}"),
    }
    client.send_text(&format!(r#"{{"v":1,"type":"{}"}}"#, "x".repeat(20_000))).await;
    match client.next().await {
        ServerFrame::Error { code: ErrorCode::UnknownType, message, .. } => {
            assert!(
                message.chars().count() <= banter::protocol::MAX_ERROR_MESSAGE_CHARS + 1,
                "{}",
                message.len()
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn room_creation_is_throttled_per_person() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let mut refused = None;
    for n in 0..(banter::server::limits::person_limits::ROOM_BURST + 1) {
        let made = server.post_form("/api/create_room", Some(&ann), &format!("name=room-{n}")).await;
        if header(&made, "location") != Some(format!("/r/room-{n}").as_str()) {
            refused = Some((n, made));
            break;
        }
    }
    let (n, made) = refused.expect("the burst ran out");
    assert_eq!(n, banter::server::limits::person_limits::ROOM_BURST);
    assert_eq!(header(&made, "location"), Some("/rooms?error=too-many-rooms"), "{made}");
}
