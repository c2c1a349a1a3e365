//! Every server function answers a client's mistake as a program can act on it: a 4xx status
//! (never 500) and a JSON body `{"code", "message"}` with the code `docs/protocol.md` lists,
//! `Retry-After` when waiting helps. Plain forms keep their redirects (tests/accounts.rs,
//! tests/rooms.rs).

use crate::support::{TestServer, header};

/// The status, `code` and `message` of a server function's answer.
fn refusal(answer: &str) -> (u16, String, String) {
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let json: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("a JSON error body ({e}): {answer}"));
    let text = |field: &str| json.get(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    (status, text("code"), text("message"))
}

#[tokio::test]
async fn every_server_functions_client_mistakes_are_4xx_with_a_stable_code() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    server.post_form("/api/create_room", Some(&ann), "name=club&private=on").await;
    server.post_form("/api/create_room", Some(&ann), "name=open").await;
    let long = "x".repeat(banter::protocol::MAX_BODY_CHARS + 1);

    // (endpoint, caller, form, status, code)
    let cases: Vec<(&str, &str, String, u16, &str)> = vec![
        ("/api/post_message", "", "room=general&body=hi&client_id=a1".into(), 401, "signed_out"),
        ("/api/post_message", &ann, "room=general&body=%20&client_id=a1".into(), 400, "empty_body"),
        ("/api/post_message", &ann, "room=general&client_id=a1".into(), 400, "invalid_field"),
        ("/api/post_message", &ann, format!("room=general&body={long}&client_id=a1"), 413, "body_too_long"),
        (
            "/api/post_message",
            &ann,
            "room=general&body=hi&client_id=no%20spaces".into(),
            400,
            "invalid_client_id",
        ),
        ("/api/post_message", &ann, "room=nowhere&body=hi&client_id=a1".into(), 404, "not_found"),
        ("/api/post_message", &bob, "room=club&body=hi&client_id=a1".into(), 404, "not_found"),
        ("/api/post_message", &bob, "room=open&body=hi&client_id=a1".into(), 403, "not_member"),
        ("/api/load_older", &ann, "room=general&before=soon".into(), 400, "invalid_field"),
        ("/api/load_older", &bob, "room=club&before=5".into(), 404, "not_found"),
        ("/api/mark_read", "", "room=general&seq=1".into(), 401, "signed_out"),
        ("/api/mark_read", &ann, "room=general&seq=latest".into(), 400, "invalid_field"),
        ("/api/load_chat", &ann, "room=general&at=soon".into(), 400, "invalid_field"),
        ("/api/load_moderation", &ann, String::new(), 400, "invalid_field"),
        ("/api/search_messages", &ann, "form[q]=hi&form[before]=yesterday".into(), 400, "invalid_field"),
        ("/api/search_messages", &ann, "form[q]=%3F%21".into(), 400, "invalid_field"),
        ("/api/search_messages", "", "form[q]=hi".into(), 401, "signed_out"),
        ("/api/push_unsubscribe", "", "endpoint=https%3A%2F%2Fpush.example%2Fx".into(), 401, "signed_out"),
        ("/api/set_quiet", "", "minutes=60".into(), 401, "signed_out"),
        ("/api/update_profile", "", "display_name=x&status=".into(), 401, "signed_out"),
        ("/api/find_members", &bob, "room=club&prefix=a".into(), 404, "not_found"),
        ("/api/set_notify", &ann, "room=general&level=loud".into(), 400, "invalid_field"),
        ("/api/set_notify", &bob, "room=open&level=all".into(), 403, "not_member"),
        ("/api/set_quiet", &ann, "minutes=7".into(), 400, "invalid_field"),
        ("/api/push_key", "", String::new(), 401, "signed_out"),
        ("/api/push_subscribe", &ann, "endpoint=ftp%3A%2F%2Fx&p256dh=a&auth=b".into(), 400, "invalid_field"),
        ("/api/sign_in", "", "username=ann&password=wrong-password".into(), 401, "wrong_password"),
        ("/api/sign_up", "", "username=ann&password=long-enough-1".into(), 409, "name_taken"),
        ("/api/sign_up", "", "username=a%20b&password=long-enough-1".into(), 400, "invalid_field"),
        ("/api/sign_up", "", "username=newcomer&password=short".into(), 400, "invalid_field"),
        ("/api/update_profile", &ann, "display_name=&status=".into(), 400, "invalid_field"),
        ("/api/create_room", &ann, "name=!!".into(), 400, "invalid_field"),
        ("/api/create_room", &bob, "name=open".into(), 409, "name_taken"),
        ("/api/open_direct", &ann, "username=nobody-here".into(), 404, "not_found"),
        ("/api/join_room", &bob, "room=club".into(), 404, "not_found"),
        ("/api/invite", &bob, "room=open&username=ann".into(), 403, "not_allowed"),
        ("/api/remove_member", &bob, "room=club&username=ann".into(), 404, "not_found"),
        ("/api/set_moderator", &ann, "room=club&username=nobody-here".into(), 404, "not_found"),
        ("/api/set_moderator", &bob, "room=open&username=ann&moderator=on".into(), 403, "not_allowed"),
    ];
    for (path, cookie, form, status, code) in cases {
        let answer = server.call(path, cookie, &form).await;
        let (got_status, got_code, message) = refusal(&answer);
        assert_eq!((got_status, got_code.as_str()), (status, code), "{path} {form}: {answer}");
        assert!(!message.is_empty(), "{path}: a message for people too");
        assert!(
            header(&answer, "content-type").is_some_and(|t| t.starts_with("application/json")),
            "{path}: {answer}"
        );
    }
}

#[tokio::test]
async fn over_an_allowance_is_429_with_retry_after() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let burst = banter::server::limits::person_limits::ROOM_BURST;
    for i in 0..burst {
        let answer = server.call("/api/create_room", &ann, &format!("name=room-{i}")).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    let answer = server.call("/api/create_room", &ann, "name=one-too-many").await;
    let (status, code, _) = refusal(&answer);
    assert_eq!((status, code.as_str()), (429, "rate_limited"), "{answer}");
    assert_eq!(header(&answer, "retry-after"), Some("60"), "{answer}");

    // Searches too: a burst, then 429 for a script (the page says it in a sentence).
    let burst = banter::server::limits::person_limits::SEARCH_BURST;
    for _ in 0..burst {
        let answer = server.call("/api/search_messages", &ann, "form[q]=hello").await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    let answer = server.call("/api/search_messages", &ann, "form[q]=hello").await;
    let (status, code, _) = refusal(&answer);
    assert_eq!((status, code.as_str()), (429, "rate_limited"), "{answer}");
    assert_eq!(header(&answer, "retry-after"), Some("1"), "{answer}");
}

#[tokio::test]
async fn a_plain_form_is_still_sent_back_to_its_page() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let answer = server.post_form("/api/create_room", Some(&ann), "name=!!").await;
    assert!(answer.starts_with("HTTP/1.1 302"), "{answer}");
    assert_eq!(header(&answer, "location"), Some("/rooms?error=invalid-room-name"));
}
