//! Incoming webhooks: made by a room's moderators, a secret URL that takes Slack's payload and
//! posts it live as the webhook's own bot; a retried POST with the same `Idempotency-Key`
//! stores once; each webhook has its own allowance; revoking makes the URL answer 404; nobody
//! else may make, see or revoke them.

use banter::api::{ChatPage, IntegrationsPage};
use banter::ids::Seq;
use banter::model::HookUrl;
use banter::protocol::ServerFrame;

use crate::support::{TestServer, header, json_body};

/// Make a webhook called `name` in `room` as `cookie`: its URL's path (`/hooks/<secret>`).
async fn hook(server: &TestServer, cookie: &str, room: &str, name: &str) -> String {
    let made = server.call("/api/create_hook", cookie, &format!("room={room}&name={name}")).await;
    assert!(made.starts_with("HTTP/1.1 200"), "{made}");
    let hook: HookUrl = json_body(&made);
    let path = hook.url.split_once(&server.addr.to_string()).map(|(_, path)| path.to_owned());
    path.unwrap_or_else(|| panic!("a URL on this server: {}", hook.url))
}

/// POST `body` to `path` as `content_type`, with `extra` header lines; the whole answer.
async fn send(server: &TestServer, path: &str, content_type: &str, extra: &str, body: &str) -> String {
    server
        .http(&format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n{extra}\
             Content-Length: {len}\r\nConnection: close\r\n\r\n{body}",
            host = server.addr,
            len = body.len()
        ))
        .await
}

fn status_and_code(answer: &str) -> (&str, String) {
    let status = answer.get(9..12).unwrap_or_default();
    let code = serde_json::from_str::<serde_json::Value>(answer.split("\r\n\r\n").nth(1).unwrap_or_default())
        .map(|body| body["code"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    (status, code)
}

#[tokio::test]
async fn a_webhook_posts_live_under_its_name_and_a_retry_stores_once() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let room = server.private_room(&ann, "builds", &["bob"]).await;
    let url = hook(&server, &ann, &room, "CI").await;
    let mut bobs = server.join_room("bob", &room).await;

    let payload = r#"{"text":"deploy **7** done","username":"Jenkins"}"#;
    let key = "Idempotency-Key: deploy-7\r\n";
    let posted = send(&server, &url, "application/json", key, payload).await;
    assert!(posted.starts_with("HTTP/1.1 200"), "{posted}");
    let seq = Seq(json_body::<serde_json::Value>(&posted)["seq"].as_i64().expect("a seq"));
    let again = send(&server, &url, "application/json", key, payload).await;
    assert_eq!(json_body::<serde_json::Value>(&again)["seq"].as_i64(), Some(seq.0), "stored once");

    let (frame, _) = bobs.until(|f| matches!(f, ServerFrame::Message(m) if m.seq == seq)).await;
    let ServerFrame::Message(heard) = frame else { unreachable!() };
    assert_eq!((heard.author.as_str(), heard.via.as_deref(), heard.bot), ("Jenkins", Some("CI"), true));
    assert!(heard.html.contains("<strong>7</strong>"), "Markdown, as anyone's: {}", heard.html);

    // Without a name of its own, a form's `payload` (Slack's other shape), and what `curl -d`
    // sends: each a message of its own, under the webhook's name.
    let form = send(
        &server,
        &url,
        "application/x-www-form-urlencoded",
        "",
        "payload=%7B%22text%22%3A%22from+a+form%22%7D",
    )
    .await;
    assert!(form.starts_with("HTTP/1.1 200"), "{form}");
    let curl = send(&server, &url, "application/x-www-form-urlencoded", "", r#"{"text":"from curl"}"#).await;
    assert!(curl.starts_with("HTTP/1.1 200"), "{curl}");
    for text in ["from a form", "from curl"] {
        let (frame, _) = bobs.until(|f| matches!(f, ServerFrame::Message(m) if m.body == text)).await;
        let ServerFrame::Message(heard) = frame else { unreachable!() };
        assert_eq!((heard.author.as_str(), heard.via.as_deref()), ("CI", None));
    }

    // The room lists it for its members, with who made it and that it has posted; the page
    // shows the override and the mark.
    let page: ChatPage = json_body(&server.call("/api/load_chat", &bob, &format!("room={room}")).await);
    let info = page.info.expect("bob's room");
    assert_eq!(info.hooks.len(), 1);
    assert_eq!((info.hooks[0].name.as_str(), info.hooks[0].created_by.as_deref()), ("CI", Some("ann")));
    assert!(info.hooks[0].last_used_at.is_some());
    assert!(
        info.members.iter().any(|m| m.bot && m.username == info.hooks[0].username),
        "its bot is a member"
    );
    let html = server.get_as(&bob, &format!("/r/{room}")).await;
    assert!(html.contains("Jenkins") && html.contains(r#"class="via""#), "{html}");
}

#[tokio::test]
async fn webhooks_refuse_clearly_and_only_moderators_manage_them() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let room = server.private_room(&ann, "builds", &["bob"]).await;
    let url = hook(&server, &ann, &room, "CI").await;

    let cases = [
        ("/hooks/not-a-token", "application/json", "", r#"{"text":"hi"}"#, "404", "not_found"),
        (
            &*format!("/hooks/{}", "0".repeat(64)),
            "application/json",
            "",
            r#"{"text":"hi"}"#,
            "404",
            "not_found",
        ),
        (&url, "application/json", "", "{not json", "400", "invalid_field"),
        (&url, "application/json", "", r#"{"body":"hi"}"#, "400", "invalid_field"),
        (&url, "application/json", "", r#"{"text":"   "}"#, "400", "empty_body"),
        (&url, "application/json", "", r#"{"text":"hi","username":"two\nlines"}"#, "400", "invalid_field"),
        (
            &url,
            "application/json",
            &format!("Idempotency-Key: {}\r\n", "k".repeat(256)),
            r#"{"text":"hi"}"#,
            "400",
            "invalid_field",
        ),
    ];
    for (path, content_type, extra, body, status, code) in cases {
        let answer = send(&server, path, content_type, extra, body).await;
        assert_eq!(status_and_code(&answer), (status, code.to_owned()), "{path} {body}: {answer}");
    }

    // Bob is a member, not a moderator: he may not make, see or revoke them, and is told
    // "not found" as for a room he cannot see.
    let refused = server.call("/api/create_hook", &bob, &format!("room={room}&name=Mine")).await;
    assert_eq!(status_and_code(&refused), ("404", "not_found".to_owned()), "{refused}");
    let page: IntegrationsPage =
        json_body(&server.call("/api/load_integrations", &bob, &format!("room={room}")).await);
    assert!(page.signed_in && page.title.is_none() && page.hooks.is_empty());
    let id = {
        let page: IntegrationsPage =
            json_body(&server.call("/api/load_integrations", &ann, &format!("room={room}")).await);
        assert_eq!(page.hooks.len(), 1, "ann manages it");
        page.hooks[0].id
    };
    let refused = server.call("/api/revoke_hook", &bob, &format!("room={room}&id={id}")).await;
    assert_eq!(status_and_code(&refused), ("404", "not_found".to_owned()));
    assert!(
        send(&server, &url, "application/json", "", r#"{"text":"still on"}"#)
            .await
            .starts_with("HTTP/1.1 200")
    );

    // Not in a conversation, and a name is a display name's length.
    let opened = server.post_form("/api/open_direct", Some(&ann), "username=bob").await;
    let direct = header(&opened, "location").and_then(|l| l.strip_prefix("/r/")).expect("a room").to_owned();
    let refused = server.call("/api/create_hook", &ann, &format!("room={direct}&name=CI")).await;
    assert_eq!(status_and_code(&refused), ("404", "not_found".to_owned()));
    let long = "n".repeat(200);
    let refused = server.call("/api/create_hook", &ann, &format!("room={room}&name={long}")).await;
    assert_eq!(status_and_code(&refused), ("400", "invalid_field".to_owned()));

    // Revoked: the URL answers 404, and its bot is no longer in the room.
    let revoked = server.call("/api/revoke_hook", &ann, &format!("room={room}&id={id}")).await;
    assert!(revoked.starts_with("HTTP/1.1 200"), "{revoked}");
    let answer = send(&server, &url, "application/json", "", r#"{"text":"after"}"#).await;
    assert_eq!(status_and_code(&answer), ("404", "not_found".to_owned()));
    let page: ChatPage = json_body(&server.call("/api/load_chat", &ann, &format!("room={room}")).await);
    let info = page.info.expect("ann's room");
    assert!(info.hooks.is_empty() && !info.members.iter().any(|m| m.bot));
}

#[tokio::test]
async fn each_webhook_has_its_own_allowance() {
    let server = TestServer::start_with(|c| {
        c.bot_burst = 3;
        c.bot_rate = 0.001;
    })
    .await;
    let ann = server.cookie("ann").await;
    let room = server.private_room(&ann, "builds", &[]).await;
    let (ci, alerts) = (hook(&server, &ann, &room, "CI").await, hook(&server, &ann, &room, "Alerts").await);
    for n in 0..3 {
        let posted = send(&server, &ci, "application/json", "", &format!(r#"{{"text":"build {n}"}}"#)).await;
        assert!(posted.starts_with("HTTP/1.1 200"), "{posted}");
    }
    let over = send(&server, &ci, "application/json", "", r#"{"text":"one more"}"#).await;
    assert_eq!(status_and_code(&over), ("429", "rate_limited".to_owned()), "{over}");
    assert!(header(&over, "retry-after").is_some(), "{over}");
    let other = send(&server, &alerts, "application/json", "", r#"{"text":"disk full"}"#).await;
    assert!(other.starts_with("HTTP/1.1 200"), "another webhook is not held up: {other}");
    // Nor is the person who made them.
    let mut anns = server.join_room("ann", &room).await;
    anns.send(&banter::protocol::ClientFrame::Send {
        room: room.clone().into(),
        client_id: "ann-1".into(),
        body: "still here".into(),
        attachments: Vec::new(),
        reply_to: None,
        thread: None,
        also_to_room: false,
    })
    .await;
    anns.until(|f| matches!(f, ServerFrame::Message(m) if m.body == "still here")).await;
}
