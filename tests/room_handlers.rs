//! A room's own handlers, as real HTTP servers on 127.0.0.1 that these tests start: a slash
//! command's handler that checks the signature and answers for the room or for the caller
//! alone, one that never answers in time, and an outgoing webhook's target that fails twice
//! before it takes the message. The server may call 127.0.0.1 here only because the tests
//! allow it (`--outbound-allow`), as an operator would for a handler on their own network.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use banter::api::IntegrationsPage;
use banter::protocol::{ErrorCode, ServerFrame};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::{Mutex, mpsc};

use crate::support::{TestServer, json_body};

/// Whether `headers` carry Slack's signature of `body` with `secret`.
fn signed(headers: &HeaderMap, body: &[u8], secret: &str) -> bool {
    let (Some(signature), Some(timestamp)) = (
        headers.get("x-slack-signature").and_then(|v| v.to_str().ok()),
        headers.get("x-slack-request-timestamp").and_then(|v| v.to_str().ok()),
    ) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    signature == format!("v0={expected}")
}

fn field(body: &[u8], name: &str) -> String {
    url::form_urlencoded::parse(body)
        .find(|(key, _)| key == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// What the handlers share with the test: the secrets to check with, and what they heard.
#[derive(Default)]
struct Handlers {
    command_secret: Mutex<String>,
    outgoing_secret: Mutex<String>,
    outgoing_tries: AtomicUsize,
    heard: Mutex<Option<mpsc::UnboundedSender<(String, bool)>>>,
}

/// Start the handlers on 127.0.0.1:0; their base URL.
async fn start_handlers(handlers: Arc<Handlers>) -> String {
    let slash = Arc::clone(&handlers);
    let outgoing = Arc::clone(&handlers);
    let app = axum::Router::new()
        .route(
            "/slash",
            post(move |headers: HeaderMap, body: Bytes| {
                let handlers = Arc::clone(&slash);
                async move {
                    if !signed(&headers, &body, &handlers.command_secret.lock().await) {
                        return (StatusCode::UNAUTHORIZED, String::new());
                    }
                    let text = field(&body, "text");
                    let who = field(&body, "user_name");
                    match text.as_str() {
                        "slow" => std::future::pending().await,
                        "huge" => (StatusCode::OK, format!(r#"{{"text":"{}"}}"#, "x".repeat(1024 * 1024))),
                        "room" => (
                            StatusCode::OK,
                            format!(r#"{{"response_type":"in_channel","text":"deployed for {who}"}}"#),
                        ),
                        _ => (StatusCode::OK, format!(r#"{{"text":"only you, {who}: {text}"}}"#)),
                    }
                }
            }),
        )
        .route(
            "/outgoing",
            post(move |headers: HeaderMap, body: Bytes| {
                let handlers = Arc::clone(&outgoing);
                async move {
                    // Down for the first two tries, whatever they carry.
                    if handlers.outgoing_tries.fetch_add(1, Ordering::SeqCst) < 2 {
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    let ok = signed(&headers, &body, &handlers.outgoing_secret.lock().await);
                    if let Some(heard) = handlers.heard.lock().await.as_ref() {
                        let _ = heard.send((field(&body, "text"), ok));
                    }
                    StatusCode::OK
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("handlers serve") });
    format!("http://{addr}")
}

async fn server() -> TestServer {
    TestServer::start_with(|c| {
        c.outbound_allow = vec![std::net::IpAddr::from([127, 0, 0, 1]).into()];
        c.hooks_allow_http = true;
        c.command_timeout_ms = 300;
        c.hook_retry_ms = 10;
    })
    .await
}

async fn integrations(server: &TestServer, cookie: &str, room: &str) -> IntegrationsPage {
    json_body(&server.call("/api/load_integrations", cookie, &format!("room={room}")).await)
}

#[tokio::test]
async fn a_rooms_command_calls_its_handler_signed_and_shows_the_answer_where_it_belongs() {
    let handlers = Arc::new(Handlers::default());
    let base = start_handlers(Arc::clone(&handlers)).await;
    let server = server().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let room = server.private_room(&ann, "ops", &["bob"]).await;

    // Only https (or http where allowed) and never the server's own network; only moderators.
    let refused = server
        .call("/api/create_command", &ann, &format!("room={room}&name=meta&url=http://169.254.169.254/x"))
        .await;
    assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");
    let refused =
        server.call("/api/create_command", &bob, &format!("room={room}&name=deploy&url={base}/slash")).await;
    assert!(refused.starts_with("HTTP/1.1 404"), "{refused}");
    let taken =
        server.call("/api/create_command", &ann, &format!("room={room}&name=shrug&url={base}/slash")).await;
    assert!(taken.starts_with("HTTP/1.1 409"), "{taken}");
    let made = server
        .call("/api/create_command", &ann, &format!("room={room}&name=%2FDeploy&url={base}/slash"))
        .await;
    assert!(made.starts_with("HTTP/1.1 200"), "{made}");
    let page = integrations(&server, &ann, &room).await;
    assert_eq!(page.commands.len(), 1);
    assert_eq!(page.commands[0].name, "deploy");
    *handlers.command_secret.lock().await = page.commands[0].secret.clone();

    let mut anns = server.join_room("ann", &room).await;
    let mut bobs = server.join_room("bob", &room).await;
    // For the caller alone.
    let ServerFrame::Reply { text, .. } = bobs.answer(&room, "d1", "/deploy status").await else {
        panic!("a reply");
    };
    assert_eq!(text, "only you, bob: status");
    // For the room: posted as the command's bot, settling the caller's send.
    let ServerFrame::Message(posted) = bobs.answer(&room, "d2", "/deploy room").await else {
        panic!("a message");
    };
    assert_eq!(
        (posted.body.as_str(), posted.author.as_str(), posted.bot),
        ("deployed for bob", "/deploy", true)
    );
    let (_, before) = anns.until(|f| matches!(f, ServerFrame::Message(m) if m.client_id == "d2")).await;
    assert!(
        !before.iter().any(|f| matches!(f, ServerFrame::Reply { .. })),
        "ann heard nothing of bob's reply"
    );
    // No answer in time: said so, and the connection was not held up meanwhile.
    bobs.send_to(&room, "d3", "/deploy slow").await;
    bobs.send_to(&room, "d4", "meanwhile").await;
    let (frame, skipped) =
        bobs.until(|f| matches!(f, ServerFrame::Error { client_id: Some(id), .. } if id == "d3")).await;
    assert!(
        skipped.iter().any(|f| matches!(f, ServerFrame::Message(m) if m.client_id == "d4")),
        "not held up"
    );
    let ServerFrame::Error { code, message, .. } = frame else { unreachable!() };
    assert_eq!(code, ErrorCode::CommandFailed);
    assert!(message.contains("did not answer"), "{message}");
    // An answer far longer than any message: not read to its end.
    let ServerFrame::Error { message, .. } = bobs.answer(&room, "d4b", "/deploy huge").await else {
        panic!("a refusal");
    };
    assert!(message.contains("over"), "{message}");
    // A wrong secret: the handler refuses, and the person is told the command did not work.
    *handlers.command_secret.lock().await = "not the secret".into();
    let ServerFrame::Error { message, .. } = bobs.answer(&room, "d5", "/deploy status").await else {
        panic!("a refusal");
    };
    assert!(message.contains("401"), "{message}");

    // Removed: unknown from now on, and its bot is out of the room.
    let id = page.commands[0].id;
    let removed = server.call("/api/delete_command", &ann, &format!("room={room}&id={id}")).await;
    assert!(removed.starts_with("HTTP/1.1 200"), "{removed}");
    let ServerFrame::Error { message, .. } = bobs.answer(&room, "d6", "/deploy status").await else {
        panic!("a refusal");
    };
    assert!(message.contains("no command /deploy"), "{message}");
}

#[tokio::test]
async fn an_outgoing_webhook_gets_each_triggered_message_signed_after_failures_without_holding_up_delivery() {
    let handlers = Arc::new(Handlers::default());
    let base = start_handlers(Arc::clone(&handlers)).await;
    let (heard_tx, mut heard) = mpsc::unbounded_channel();
    *handlers.heard.lock().await = Some(heard_tx);
    let server = server().await;
    let ann = server.cookie("ann").await;
    let room = server.private_room(&ann, "ops", &[]).await;
    let made = server
        .call(
            "/api/create_outgoing",
            &ann,
            &format!("room={room}&url={base}/outgoing&triggers=deploy+rollback"),
        )
        .await;
    assert!(made.starts_with("HTTP/1.1 200"), "{made}");
    let page = integrations(&server, &ann, &room).await;
    *handlers.outgoing_secret.lock().await = page.outgoing[0].secret.clone();

    let mut anns = server.join_room("ann", &room).await;
    // Delivered to the room at once, whatever the target does.
    anns.say(&room, "o1", "no trigger here").await;
    anns.say(&room, "o2", "deploy web to production").await;
    let (text, ok) = tokio::time::timeout(std::time::Duration::from_secs(10), heard.recv())
        .await
        .expect("delivered in the end")
        .expect("a delivery");
    assert_eq!((text.as_str(), ok), ("deploy web to production", true));
    assert_eq!(handlers.outgoing_tries.load(Ordering::SeqCst), 3, "two failures, then taken");
    let page = integrations(&server, &ann, &room).await;
    assert_eq!(page.outgoing[0].last_status, Some(200));

    let removed =
        server.call("/api/delete_outgoing", &ann, &format!("room={room}&id={}", page.outgoing[0].id)).await;
    assert!(removed.starts_with("HTTP/1.1 200"), "{removed}");
    assert!(integrations(&server, &ann, &room).await.outgoing.is_empty());
}
