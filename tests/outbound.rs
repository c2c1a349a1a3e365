//! The outbound guard, through the one path that calls out today (Web Push): an endpoint in
//! the server's own network is refused when subscribed, by address and by a name resolving
//! there; a name that moves there afterwards gets no connection at all; and a push to a
//! service on a port of its own is signed for that origin, port included, for at most 12 h.
//!
//! Names resolve where a test wants through `--outbound-resolve` (checked like DNS answers).

use std::io::ErrorKind;

use banter::server::Config;
use base64ct::{Base64UrlUnpadded, Encoding as _};
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike as _, ES256PublicKey};
use web_push_native::jwt_simple::claims::NoCustomClaims;

use crate::push::{Device, allow_local_push, next, push_service};
use crate::support::{TestServer, eventually, json_body};

/// `--outbound-resolve` set to `pins`, plain `http://` endpoints allowed.
fn resolving(pins: &'static [&'static str]) -> impl FnOnce(&mut Config) {
    move |config: &mut Config| {
        config.push_allow_http = true;
        config.outbound_resolve = pins.iter().map(|pin| pin.parse().expect("HOST=IP")).collect();
    }
}

async fn kept(server: &TestServer) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM push_subscriptions")
        .fetch_one(&server.sql().await)
        .await
        .expect("count")
}

#[tokio::test]
async fn an_endpoint_in_the_servers_own_network_is_refused_by_address_and_by_name() {
    let server = TestServer::start_with(resolving(&[
        "metadata.test=169.254.169.254",
        "intranet.test=10.0.0.1",
        "carrier.test=100.64.0.1",
        "unique-local.test=fd00::1",
        "mapped.test=::ffff:127.0.0.1",
        "half.test=93.184.216.34",
        "half.test=192.168.1.1",
        "push.test=93.184.216.34",
    ]))
    .await;
    let ann = server.cookie("ann").await;
    let phone = Device::new("phone");
    for endpoint in [
        "https://127.0.0.1:1/x",
        "https://169.254.169.254/latest",
        "https://10.0.0.1/x",
        "https://172.16.5.4/x",
        "https://192.168.0.10/x",
        "https://100.64.0.1/x",
        "https://0.0.0.0/x",
        "https://224.0.0.1/x",
        "https://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://[fe80::1]/x",
        "https://[fd00::1]/x",
        "http://2130706433:6379/x",
        "https://localhost/x",
        "https://metadata.test/latest",
        "https://intranet.test/x",
        "https://carrier.test/x",
        "https://unique-local.test/x",
        "https://mapped.test/x",
        "https://half.test/x",
    ] {
        let answer = server.call("/api/push_subscribe", &ann, &phone.form(endpoint)).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{endpoint}: {answer}");
        let error: serde_json::Value = json_body(&answer);
        assert_eq!(error["code"], "invalid_field", "{endpoint}: {answer}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains("the server's own network"), "{endpoint}: {message}");
    }
    assert_eq!(kept(&server).await, 0, "nothing refused was kept");

    // The guard is not refusing everything: a public address is kept.
    let answer = server.call("/api/push_subscribe", &ann, &phone.form("https://push.test/x")).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(kept(&server).await, 1);
}

#[tokio::test]
async fn a_name_that_moves_into_the_servers_network_after_subscribing_gets_no_connection() {
    // Where the push would land if the guard let it: a listener nobody else knows of.
    let inside = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    inside.set_nonblocking(true).expect("non-blocking");
    let port = inside.local_addr().expect("addr").port();

    let server = TestServer::start_with(resolving(&["push.test=93.184.216.34"])).await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    Device::new("bobs-phone").subscribe(&server, &bob, &format!("http://push.test:{port}/push")).await;
    let room = server.conversation(&ann, "bob").await;

    // Its DNS now answers with the server's own loopback.
    let server = server.restart(resolving(&["push.test=127.0.0.1"])).await;
    assert_eq!(server.metric("banter_outbound_refused_total").await, 0);
    server.post_message(&ann, &room, "d1", "are you there?").await;
    eventually("the push is refused", async || server.metric("banter_outbound_refused_total").await > 0)
        .await;
    match inside.accept() {
        Err(error) if error.kind() == ErrorKind::WouldBlock => {}
        other => panic!("the server connected inside its own network: {other:?}"),
    }
}

#[tokio::test]
async fn a_push_to_a_service_on_its_own_port_is_signed_for_that_origin_for_at_most_12_hours() {
    let server = TestServer::start_with(allow_local_push).await;
    let (service, mut pushes) = push_service().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    Device::new("bobs-phone").subscribe(&server, &bob, &service).await;
    let room = server.conversation(&ann, "bob").await;
    server.post_message(&ann, &room, "d1", "lunch?").await;

    let push = next(&mut pushes).await;
    let vapid = push.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let (token, key) = vapid
        .strip_prefix("vapid t=")
        .and_then(|rest| rest.split_once(", k="))
        .unwrap_or_else(|| panic!("a VAPID authorization: {vapid}"));
    let key = ES256PublicKey::from_bytes(&Base64UrlUnpadded::decode_vec(key).expect("base64url key"))
        .expect("a P-256 key");
    key.verify_token::<NoCustomClaims>(token, None).expect("signed with the server's key, not expired");
    let claims: serde_json::Value = serde_json::from_slice(
        &Base64UrlUnpadded::decode_vec(token.split('.').nth(1).unwrap_or_default())
            .expect("base64url claims"),
    )
    .expect("JSON claims");
    let origin = service.trim_end_matches("/push");
    assert!(origin.rsplit(':').next().is_some_and(|port| port.parse::<u16>().is_ok()), "{origin}");
    assert_eq!(claims["aud"], origin, "the audience is the origin, port included");
    let (issued, expires) = (claims["iat"].as_i64().unwrap_or(0), claims["exp"].as_i64().unwrap_or(0));
    assert!(expires > issued && expires - issued <= 12 * 60 * 60, "{claims}");
    assert_eq!(push.headers.get("ttl").and_then(|v| v.to_str().ok()), Some("86400"));
}

#[tokio::test]
async fn a_push_service_redirecting_into_the_servers_network_is_not_followed() {
    use axum::http::{StatusCode, header::LOCATION};
    // Inside: a listener on another loopback address, which only 127.0.0.1 is allowed past.
    let inside = std::net::TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2");
    inside.set_nonblocking(true).expect("non-blocking");
    let target = format!("http://{}/steal", inside.local_addr().expect("addr"));
    // An allowed push service that answers every push with a redirect there.
    let app = axum::Router::new().fallback(move || {
        let target = target.clone();
        async move { (StatusCode::TEMPORARY_REDIRECT, [(LOCATION, target)]) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let service = format!("http://{}/push", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let server = TestServer::start_with(allow_local_push).await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    Device::new("bobs-phone").subscribe(&server, &bob, &service).await;
    let room = server.conversation(&ann, "bob").await;
    server.post_message(&ann, &room, "d1", "follow me").await;
    eventually("the redirect is refused", async || server.metric("banter_outbound_refused_total").await > 0)
        .await;
    match inside.accept() {
        Err(error) if error.kind() == ErrorKind::WouldBlock => {}
        other => panic!("the server followed a redirect into its own network: {other:?}"),
    }
}
