//! Accounts: sign-up, sign-in, sign-out, throttling, and the checks in front of `/ws`.

use banter::server::accounts::signin_throttle::MAX_FAILURES_PER_USERNAME_AT_ADDRESS;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};

use crate::support::{PATIENCE, TestServer, header};

fn session_pair(response: &str) -> Option<String> {
    banter::load::client::session_cookie(response)
}

/// Try a WebSocket upgrade with these headers; the HTTP status the server answered.
async fn upgrade(server: &TestServer, cookie: Option<&str>, origin: Option<&str>) -> StatusCode {
    let mut request = server.ws_url().into_client_request().expect("a WebSocket URL");
    if let Some(cookie) = cookie {
        request.headers_mut().insert("cookie", HeaderValue::from_str(cookie).expect("header"));
    }
    if let Some(origin) = origin {
        request.headers_mut().insert("origin", HeaderValue::from_str(origin).expect("header"));
    }
    let result =
        tokio::time::timeout(PATIENCE, tokio_tungstenite::connect_async(request)).await.expect("in time");
    match result {
        Ok((_, response)) => response.status(),
        Err(tungstenite::Error::Http(response)) => response.status(),
        Err(other) => panic!("unexpected handshake failure: {other}"),
    }
}

#[tokio::test]
async fn sign_up_signs_in_with_a_locked_down_cookie_and_sign_out_ends_the_session() {
    let server = TestServer::start().await;
    let response = server.post_form("/api/sign_up", None, "username=Dana&password=correct+horse").await;
    assert!(response.starts_with("HTTP/1.1 302"), "{response}");
    assert_eq!(header(&response, "location"), Some("/"));
    let set_cookie = header(&response, "set-cookie").expect("a session cookie");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(set_cookie.contains("Max-Age="), "the session cookie expires: {set_cookie}");
    let cookie = session_pair(&response).expect("session pair");

    // Usernames are case-insensitive: the page greets the lower-cased name.
    let page = server.get_as(&cookie, "/").await;
    assert!(page.starts_with("HTTP/1.1 200") && page.contains(">dana<"), "{page}");

    let out = server.post_form("/api/sign_out", Some(&cookie), "").await;
    assert_eq!(header(&out, "location"), Some("/signin"), "{out}");
    assert!(header(&out, "set-cookie").is_some_and(|c| c.contains("Max-Age=0")));
    // The old cookie is dead on the server, not just forgotten by this browser.
    let page = server.get_as(&cookie, "/").await;
    assert!(page.starts_with("HTTP/1.1 302"), "{page}");
    assert_eq!(upgrade(&server, Some(&cookie), None).await, StatusCode::UNAUTHORIZED);

    // And signing in again works.
    let again = server.post_form("/api/sign_in", None, "username=dana&password=correct+horse").await;
    assert_eq!(header(&again, "location"), Some("/"), "{again}");
    assert!(session_pair(&again).is_some());
}

#[tokio::test]
async fn a_wrong_password_fails_with_a_clear_message_and_no_session() {
    let server = TestServer::start().await;
    server.cookie("erin").await;
    let response = server.post_form("/api/sign_in", None, "username=erin&password=not+the+one").await;
    let location = header(&response, "location").expect("back to the form");
    assert!(location.starts_with("/signin?error=wrong-password"), "{location}");
    assert!(session_pair(&response).is_none());
    let page = server.get(location).await;
    assert!(page.contains("Wrong username or password."), "{page}");
    // An unknown username reads the same: no telling which accounts exist.
    let unknown = server.post_form("/api/sign_in", None, "username=nobody&password=whatever1").await;
    assert!(header(&unknown, "location").is_some_and(|l| l.starts_with("/signin?error=wrong-password")));
}

#[tokio::test]
async fn repeated_failures_are_throttled_even_for_the_right_password() {
    let server = TestServer::start().await;
    // `cookie` signs up with the load tool's random password; give this account a known one.
    let made = server.post_form("/api/sign_up", None, "username=fay&password=right+password").await;
    assert!(session_pair(&made).is_some());
    for _ in 0..MAX_FAILURES_PER_USERNAME_AT_ADDRESS {
        let response = server.post_form("/api/sign_in", None, "username=fay&password=wrong+password").await;
        assert!(header(&response, "location").is_some_and(|l| l.contains("error=wrong-password")));
    }
    let response = server.post_form("/api/sign_in", None, "username=fay&password=right+password").await;
    let location = header(&response, "location").expect("back to the form");
    assert!(location.starts_with("/signin?error=throttled"), "{location}");
    assert!(session_pair(&response).is_none());
    let page = server.get(location).await;
    assert!(page.contains("Too many failed sign-ins"), "{page}");
}

#[tokio::test]
async fn sign_up_refuses_bad_and_taken_usernames_and_short_passwords() {
    let server = TestServer::start().await;
    let cases = [
        ("username=a+b&password=long+enough", "invalid-username"),
        ("username=gil&password=short", "invalid-password"),
    ];
    for (form, code) in cases {
        let response = server.post_form("/api/sign_up", None, form).await;
        let location = header(&response, "location").expect("back to the form");
        assert!(location.starts_with(&format!("/signup?error={code}")), "{form}: {location}");
        assert!(session_pair(&response).is_none());
    }
    server.cookie("gil").await;
    let taken = server.post_form("/api/sign_up", None, "username=GIL&password=long+enough").await;
    let location = header(&taken, "location").expect("back to the form");
    assert!(location.starts_with("/signup?error=username-taken"), "{location}");
    assert!(server.get(location).await.contains("That username is taken"));
}

#[tokio::test]
async fn the_websocket_needs_a_session_and_a_page_of_our_own() {
    let server = TestServer::start().await;
    assert_eq!(upgrade(&server, None, None).await, StatusCode::UNAUTHORIZED);
    let bogus = "banter_session=00000000000000000000000000000000000000000000000000000000deadbeef";
    assert_eq!(upgrade(&server, Some(bogus), None).await, StatusCode::UNAUTHORIZED);

    let cookie = server.cookie("hal").await;
    // Another site's page would carry our cookie: refused before any session lookup.
    assert_eq!(upgrade(&server, Some(&cookie), Some("http://evil.example")).await, StatusCode::FORBIDDEN);
    let own = format!("http://{}", server.addr);
    assert_eq!(upgrade(&server, Some(&cookie), Some(&own)).await, StatusCode::SWITCHING_PROTOCOLS);
    // A bot (no Origin) with a session is welcome.
    assert_eq!(upgrade(&server, Some(&cookie), None).await, StatusCode::SWITCHING_PROTOCOLS);
}

#[tokio::test]
async fn the_configured_origins_replace_the_same_host_rule() {
    let server =
        TestServer::start_with(|c| c.allowed_origins = vec!["https://chat.example.com".into()]).await;
    let cookie = server.cookie("ida").await;
    let own = format!("http://{}", server.addr);
    assert_eq!(upgrade(&server, Some(&cookie), Some(&own)).await, StatusCode::FORBIDDEN);
    assert_eq!(
        upgrade(&server, Some(&cookie), Some("https://chat.example.com")).await,
        StatusCode::SWITCHING_PROTOCOLS
    );
}

#[tokio::test]
async fn the_profile_page_needs_a_session_and_shows_your_own() {
    let server = TestServer::start().await;
    let page = server.get("/profile").await;
    assert!(page.starts_with("HTTP/1.1 302"), "{page}");
    let cookie = server.cookie("jo").await;
    let saved = server
        .post_form("/api/update_profile", Some(&cookie), "display_name=Jo+Bloggs&status=at+lunch")
        .await;
    assert_eq!(header(&saved, "location"), Some("/profile?saved=1"), "{saved}");
    let page = server.get_as(&cookie, "/profile").await;
    assert!(page.contains(r#"value="Jo Bloggs""#) && page.contains(r#"value="at lunch""#), "{page}");
    // Initials for the avatar.
    assert!(page.contains(">JB<"), "{page}");
    let bad = server.post_form("/api/update_profile", Some(&cookie), "display_name=+++&status=").await;
    assert!(header(&bad, "location").is_some_and(|l| l.starts_with("/profile?error=invalid-name")));
}
