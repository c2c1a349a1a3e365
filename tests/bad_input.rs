//! Each kind of bad input gets its documented answer, and the connection keeps working.

use banter::ids::Seq;
use banter::protocol::{ClientFrame, ErrorCode, MAX_BODY_CHARS, MAX_FRAME_BYTES, ServerFrame};
use futures::SinkExt;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{Client, Event, TestServer};

/// The next frame must be an error with this code; then the connection must still answer.
async fn expect_error(client: &mut Client, code: ErrorCode) -> ServerFrame {
    let frame = client.next().await;
    match &frame {
        ServerFrame::Error { code: got, message, .. } => {
            assert_eq!(*got, code, "wrong code, message: {message}");
            assert!(!message.is_empty());
        }
        other => panic!("expected error {code:?}, got {other:?}"),
    }
    assert!(client.round_trip().await.is_empty());
    frame
}

#[tokio::test]
async fn each_bad_frame_gets_an_error_and_the_connection_lives_on() {
    let server = TestServer::start().await;
    let mut c = server.join("tester").await;

    c.send_message("e1", "   \n\t ").await;
    let frame = expect_error(&mut c, ErrorCode::EmptyBody).await;
    assert!(matches!(frame, ServerFrame::Error { client_id: Some(ref id), .. } if id == "e1"));

    c.send_message("e2", &"x".repeat(MAX_BODY_CHARS + 1)).await;
    expect_error(&mut c, ErrorCode::BodyTooLong).await;

    c.send_text("{this is not json").await;
    expect_error(&mut c, ErrorCode::MalformedJson).await;

    c.send_text(r#"{"v":1,"type":"shout","body":"hi"}"#).await;
    expect_error(&mut c, ErrorCode::UnknownType).await;

    c.send_text(r#"{"v":1,"type":"send","body":"no client id"}"#).await;
    expect_error(&mut c, ErrorCode::InvalidFrame).await;

    c.send_text(r#"{"v":9,"type":"ping"}"#).await;
    expect_error(&mut c, ErrorCode::UnsupportedVersion).await;

    c.ws.send(Message::binary(vec![1u8, 2, 3])).await.expect("send binary");
    expect_error(&mut c, ErrorCode::BinaryFrame).await;

    c.send_message("has spaces!", "hi").await;
    expect_error(&mut c, ErrorCode::InvalidClientId).await;

    c.send(&ClientFrame::Hello { room: "general".into(), after: None }).await;
    expect_error(&mut c, ErrorCode::InvalidFrame).await;

    // After all that, a good message still goes through.
    c.send_message("good", "still here").await;
    assert_eq!(c.ack("good").await, Seq(1));
}

#[tokio::test]
async fn a_message_of_exactly_the_maximum_is_accepted() {
    let server = TestServer::start().await;
    let mut c = server.join("max").await;
    c.send_message("max", &"é".repeat(MAX_BODY_CHARS)).await;
    assert_eq!(c.ack("max").await, Seq(1));
}

#[tokio::test]
async fn sending_before_hello_is_refused() {
    let server = TestServer::start().await;
    let mut c = server.connect("early").await;
    c.send_message("early", "hi").await;
    expect_error(&mut c, ErrorCode::NotJoined).await;
    c.send(&ClientFrame::Hello { room: "nowhere".into(), after: None }).await;
    expect_error(&mut c, ErrorCode::UnknownRoom).await;
}

#[tokio::test]
async fn an_oversized_frame_closes_with_1009_and_others_carry_on() {
    let server = TestServer::start().await;
    let mut big = server.join("big").await;
    let mut other = server.join("other").await;
    big.send_text(&"x".repeat(MAX_FRAME_BYTES + 1)).await;
    loop {
        match big.event().await {
            Event::Frame(ServerFrame::Presence { .. }) => continue,
            Event::Closed(Some(frame)) => break assert_eq!(u16::from(frame.code), 1009),
            other => panic!("expected close 1009, got {other:?}"),
        }
    }
    other.send_message("fine", "the server is fine").await;
    assert_eq!(other.ack("fine").await, Seq(1));
}

#[tokio::test]
async fn a_fast_sender_is_rate_limited_and_others_are_not() {
    let server = TestServer::start_with(|c| {
        c.rate = 1.0;
        c.burst = 3;
    })
    .await;
    let mut flood = server.join("flood").await;
    let mut calm = server.join("calm").await;
    for n in 0..10 {
        flood.send_message(&format!("f{n}"), "spam").await;
    }
    let mut accepted = 0;
    let mut limited = 0;
    while accepted + limited < 10 {
        match flood.next().await {
            ServerFrame::Ack { .. } => accepted += 1,
            ServerFrame::Error { code: ErrorCode::RateLimited, client_id: Some(_), .. } => limited += 1,
            _ => {}
        }
    }
    assert!(accepted >= 3, "the burst goes through");
    assert!(limited >= 5, "the excess is refused, got {limited}");
    // Another client's rate is its own.
    calm.send_message("calm-1", "hello").await;
    assert!(calm.ack("calm-1").await > Seq::ZERO);
}
