//! Web Push against a push service of the test's own on 127.0.0.1: a member with no page open
//! gets an encrypted push that decrypts (with the device keys the test made) to the room and
//! text, signed with the server's VAPID key; nobody else's device does; a subscription the
//! service says is gone is forgotten; a muted room pushes nothing.

use banter::ids::Seq;
use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use banter::server::push::sender::PushPayload;
use base64ct::{Base64UrlUnpadded, Encoding as _};
use tokio::sync::mpsc;
use web_push_native::p256::SecretKey;
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint as _;
use web_push_native::{Auth, decrypt};

use crate::support::{PATIENCE, TestServer, eventually, json_body};

/// What the push service received for one device.
pub(crate) struct Received {
    pub device: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A push service: `POST /push/<device>` is recorded and answered 201, or 410 for devices
/// named `gone…`.
pub(crate) async fn push_service() -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new()
        .route(
            "/push/{device}",
            post(
                |State(tx): State<mpsc::UnboundedSender<Received>>,
                 Path(device): Path<String>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let status =
                        if device.starts_with("gone") { StatusCode::GONE } else { StatusCode::CREATED };
                    let _ = tx.send(Received { device, headers, body });
                    status
                },
            ),
        )
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/push"), rx)
}

/// A device's keys, as a browser makes them when it subscribes.
pub(crate) struct Device {
    name: String,
    secret: SecretKey,
    auth: Auth,
}

impl Device {
    pub fn new(name: &str) -> Self {
        let random = [*uuid::Uuid::new_v4().as_bytes(), *uuid::Uuid::new_v4().as_bytes()].concat();
        let secret = SecretKey::from_slice(&random).expect("a P-256 secret");
        let auth = Auth::clone_from_slice(uuid::Uuid::new_v4().as_bytes());
        Self { name: name.to_owned(), secret, auth }
    }

    /// The form that subscribes it at `endpoint`.
    pub fn form(&self, endpoint: &str) -> String {
        let key = self.secret.public_key().to_encoded_point(false);
        format!(
            "endpoint={}&p256dh={}&auth={}",
            crate::support::form_value(endpoint),
            Base64UrlUnpadded::encode_string(key.as_bytes()),
            Base64UrlUnpadded::encode_string(&self.auth),
        )
    }

    /// Subscribe it for the account behind `cookie`.
    pub async fn subscribe(&self, server: &TestServer, cookie: &str, service: &str) -> String {
        let endpoint = format!("{service}/{}", self.name);
        let answer = server.call("/api/push_subscribe", cookie, &self.form(&endpoint)).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        endpoint
    }

    pub fn open(&self, body: &Bytes) -> PushPayload {
        let plain =
            decrypt(body.to_vec(), &self.secret, &self.auth).expect("decrypts with the device's keys");
        serde_json::from_slice(&plain).expect("the payload")
    }
}

/// Plain `http://` push services on this machine: what the tests' own push service is.
pub(crate) fn allow_local_push(config: &mut banter::server::Config) {
    config.push_allow_http = true;
    config.outbound_allow = vec![std::net::IpAddr::from([127, 0, 0, 1]).into()];
}

/// The next push the service receives, within the test's patience.
pub(crate) async fn next(rx: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(PATIENCE, rx.recv()).await.expect("a push in time").expect("service running")
}

#[tokio::test]
async fn a_member_without_an_open_page_gets_an_encrypted_signed_push_and_nobody_else_does() {
    let server = TestServer::start_with(allow_local_push).await;
    let (service, mut pushes) = push_service().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let carol = server.cookie("carol").await;
    let (bobs_phone, carols_phone) = (Device::new("bobs-phone"), Device::new("carols-phone"));
    bobs_phone.subscribe(&server, &bob, &service).await;
    carols_phone.subscribe(&server, &carol, &service).await;
    let room = server.conversation(&ann, "bob").await;

    server.post_message(&ann, &room, "d1", "are you free for lunch?").await;
    let push = next(&mut pushes).await;
    assert_eq!(push.device, "bobs-phone");
    assert_eq!(push.headers.get("ttl").and_then(|v| v.to_str().ok()), Some("86400"));
    assert_eq!(push.headers.get("content-encoding").and_then(|v| v.to_str().ok()), Some("aes128gcm"));
    let key: String = json_body(&server.call("/api/push_key", &ann, "").await);
    let vapid = push.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(vapid.starts_with("vapid t=") && vapid.ends_with(&format!(", k={key}")), "{vapid}");
    assert_eq!(
        bobs_phone.open(&push.body),
        PushPayload {
            title: "ann".into(),
            body: "ann: are you free for lunch?".into(),
            tag: format!("banter:{room}:1"),
            url: format!("/r/{room}?at=1#m-1"),
        }
    );

    // General notifies of mentions only: Carol hears of the one that names her, and never
    // heard of the conversation she is not in.
    server.post_message(&ann, "general", "g1", "hello everyone").await;
    server.post_message(&ann, "general", "g2", "@carol you too").await;
    let push = next(&mut pushes).await;
    assert_eq!(push.device, "carols-phone");
    assert_eq!(carols_phone.open(&push.body).body, "ann: @carol you too");
    assert!(pushes.try_recv().is_err(), "one push for one message that concerned someone");
}

#[tokio::test]
async fn a_gone_subscription_is_forgotten_and_a_muted_room_pushes_nothing() {
    let server = TestServer::start_with(allow_local_push).await;
    let (service, mut pushes) = push_service().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let old_phone = Device::new("gone-phone");
    let gone = old_phone.subscribe(&server, &bob, &service).await;
    let laptop = Device::new("laptop");
    laptop.subscribe(&server, &bob, &service).await;
    let room = server.conversation(&ann, "bob").await;

    server.post_message(&ann, &room, "d1", "first").await;
    let mut devices: HashMap<String, PushPayload> = HashMap::new();
    for _ in 0..2 {
        let push = next(&mut pushes).await;
        let device = if push.device == "laptop" { &laptop } else { &old_phone };
        devices.insert(push.device.clone(), device.open(&push.body));
    }
    assert_eq!(devices.len(), 2);
    // The service said 410 for the old phone: it is forgotten, so only the laptop hears next.
    // Wait (within the test's patience) until the store no longer holds it.
    let sql = server.sql().await;
    eventually("the gone subscription is forgotten", async || {
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM push_subscriptions WHERE endpoint = $1")
            .bind(&gone)
            .fetch_one(&sql)
            .await
            .expect("count");
        left == 0
    })
    .await;

    // Muted: nothing; unmuted again: the next one comes, and it is the next one. Pushes are
    // worked out in posting order, after the post: a message from carol, posted after the
    // muted one, shows that the muted one has been decided on before bob unmutes.
    server.post_form("/api/set_notify", Some(&bob), &format!("room={room}&level=none")).await;
    server.post_message(&ann, &room, "d2", "while muted").await;
    let carol = server.cookie("carol").await;
    let other = server.conversation(&carol, "bob").await;
    server.post_message(&carol, &other, "c1", "marker").await;
    let push = next(&mut pushes).await;
    assert_eq!(laptop.open(&push.body).body, "carol: marker", "nothing came for the muted room");
    server.post_form("/api/set_notify", Some(&bob), &format!("room={room}&level=all")).await;
    server.post_message(&ann, &room, "d3", "after").await;
    let push = next(&mut pushes).await;
    assert_eq!(push.device, "laptop");
    assert_eq!(laptop.open(&push.body).body, "ann: after");
}

#[tokio::test]
async fn a_followed_threads_replies_are_pushed_as_mentions_are_and_open_in_the_thread() {
    let server = TestServer::start_with(allow_local_push).await;
    let (service, mut pushes) = push_service().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let carol = server.cookie("carol").await;
    let (bobs_phone, carols_phone) = (Device::new("bobs-phone"), Device::new("carols-phone"));
    bobs_phone.subscribe(&server, &bob, &service).await;
    carols_phone.subscribe(&server, &carol, &service).await;
    let reply = |id: &str, root: Seq, body: &str| {
        format!("room=general&client_id={id}&body={}&thread={root}", crate::support::form_value(body))
    };
    let post = async |form: String| {
        let answer = server.call("/api/post_message", &ann, &form).await;
        crate::support::json_body::<Seq>(&answer)
    };

    // General notifies of mentions only: a root that names nobody pushes nothing.
    let root = post("room=general&client_id=r0&body=retro+notes".into()).await;
    // A reply that mentions Carol makes her a follower; the next reply, naming nobody, still
    // reaches her phone, and opens in the thread.
    post(reply("r1", root, "@carol can you add yours?")).await;
    let first = next(&mut pushes).await;
    assert_eq!(
        (first.device.as_str(), carols_phone.open(&first.body).body.as_str()),
        ("carols-phone", "ann: @carol can you add yours?")
    );
    let seq = post(reply("r2", root, "thanks all")).await;
    let push = next(&mut pushes).await;
    assert_eq!(push.device, "carols-phone");
    let payload = carols_phone.open(&push.body);
    assert_eq!(payload.body, "ann: thanks all");
    assert_eq!(payload.url, format!("/r/general/t/{root}?at={seq}#t-{seq}"));

    // Unfollowed: her phone hears no more of it. (Bob, who never followed, heard nothing of
    // it either: the next push is the one that names him.)
    let form = format!("room=general&root={root}&follow=false");
    assert!(server.call("/api/follow_thread", &carol, &form).await.starts_with("HTTP/1.1 200"));
    post(reply("r3", root, "one more thing")).await;
    post("room=general&client_id=r4&body=%40bob+ping".into()).await;
    let push = next(&mut pushes).await;
    assert_eq!(
        (push.device.as_str(), bobs_phone.open(&push.body).body.as_str()),
        ("bobs-phone", "ann: @bob ping")
    );
}

#[tokio::test]
async fn the_pushes_of_the_last_messages_before_a_shutdown_are_still_sent() {
    let mut server = TestServer::start_with(allow_local_push).await;
    let (service, mut pushes) = push_service().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let phone = Device::new("bobs-phone");
    phone.subscribe(&server, &bob, &service).await;
    let room = server.conversation(&ann, "bob").await;
    let sent = 20;
    for n in 0..sent {
        server.post_message(&ann, &room, &format!("m{n}"), &format!("message {n}")).await;
    }

    // Stopped at once: the pushes still being worked out are sent before the store closes,
    // so every one has reached the service by the time the server has stopped.
    server.stop().await;
    let mut bodies = Vec::new();
    while let Ok(push) = pushes.try_recv() {
        bodies.push(phone.open(&push.body).body);
    }
    bodies.sort();
    let mut expected: Vec<String> = (0..sent).map(|n| format!("ann: message {n}")).collect();
    expected.sort();
    assert_eq!(bodies, expected);
}
