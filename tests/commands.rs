//! Slash commands typed in the composer: `/me` and `/shrug` post what they mean; `/help`,
//! `/invite`, `/leave`, `/mute` and `/topic` act under the same rules as their buttons and
//! answer the sender alone; anything else that looks like a command is refused clearly, and
//! `//` sends a slash. The same from the form without JavaScript.

use banter::api::ChatPage;
use banter::notifications::NotifyLevel;
use banter::protocol::{ErrorCode, ServerFrame};

use crate::support::{TestServer, json_body};

async fn page(server: &TestServer, cookie: &str, room: &str) -> ChatPage {
    json_body(&server.call("/api/load_chat", cookie, &format!("room={room}")).await)
}

#[tokio::test]
async fn text_commands_post_what_they_mean_and_help_answers_only_the_sender() {
    let server = TestServer::start().await;
    let mut anns = server.join("ann").await;
    let mut bobs = server.join("bob").await;

    let ServerFrame::Message(shrug) = anns.answer("general", "c1", "/shrug fine").await else {
        panic!("a message");
    };
    assert_eq!(shrug.html, "<p>fine ¯\\_(ツ)_/¯</p>", "shown as the shrug it is");
    assert!(!shrug.html.contains("<em>"), "the shrug's underscores are not emphasis: {}", shrug.html);
    let ServerFrame::Message(me) = anns.answer("general", "c2", "/me waves").await else {
        panic!("a message");
    };
    assert_eq!(me.html, "<p><em>waves</em></p>");
    let ServerFrame::Message(slash) = anns.answer("general", "c3", "//shrug is a command").await else {
        panic!("a message");
    };
    assert_eq!(slash.body, "/shrug is a command");
    let ServerFrame::Message(path) = anns.answer("general", "c4", "/tmp/x is full").await else {
        panic!("a message");
    };
    assert_eq!(path.body, "/tmp/x is full");

    let ServerFrame::Reply { text, left, .. } = anns.answer("general", "c5", "/help").await else {
        panic!("a reply");
    };
    assert!(text.contains("/topic") && text.contains("/invite") && !left, "{text}");
    let ServerFrame::Error { code, message, .. } = anns.answer("general", "c6", "/deploy prod").await else {
        panic!("a refusal");
    };
    assert_eq!(code, ErrorCode::CommandFailed);
    assert!(message.contains("/deploy") && message.contains("/help"), "{message}");

    // Bob heard the four messages and nothing of the help or the refusal.
    anns.send_to("general", "c7", "done").await;
    let (_, before) = bobs.until(|f| matches!(f, ServerFrame::Message(m) if m.body == "done")).await;
    let heard: Vec<&str> = before
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Message(m) => Some(m.client_id.as_str()),
            ServerFrame::Reply { .. } | ServerFrame::Error { .. } => Some("leaked"),
            _ => None,
        })
        .collect();
    assert_eq!(heard, ["c1", "c2", "c3", "c4"]);
}

#[tokio::test]
async fn room_commands_follow_the_rules_of_their_buttons() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let _carol = server.cookie("carol").await;
    let room = server.private_room(&ann, "plans", &["bob"]).await;
    let mut anns = server.join_room("ann", &room).await;
    let mut bobs = server.join_room("bob", &room).await;

    // The topic: live for everyone in the room, on its page, cleared with nothing.
    let ServerFrame::Reply { text, .. } = bobs.answer(&room, "t1", "/topic Release week").await else {
        panic!("a reply");
    };
    assert_eq!(text, "Topic set.");
    anns.until(|f| matches!(f, ServerFrame::Topic { topic, .. } if topic == "Release week")).await;
    assert_eq!(page(&server, &ann, &room).await.info.expect("room").topic, "Release week");
    let long = "x".repeat(banter::protocol::MAX_TOPIC_CHARS + 1);
    let refused = bobs.answer(&room, "t2", &format!("/topic {long}")).await;
    assert!(matches!(refused, ServerFrame::Error { code: ErrorCode::CommandFailed, .. }), "{refused:?}");

    // Inviting: only the private room's creator, only people who exist.
    let refused = bobs.answer(&room, "i1", "/invite @carol").await;
    assert!(
        matches!(&refused, ServerFrame::Error { message, .. } if message.contains("creator")),
        "{refused:?}"
    );
    let refused = anns.answer(&room, "i2", "/invite @nobody-here").await;
    assert!(
        matches!(&refused, ServerFrame::Error { message, .. } if message.contains("nobody")),
        "{refused:?}"
    );
    let ServerFrame::Reply { text, .. } = anns.answer(&room, "i3", "/invite @Carol").await else {
        panic!("a reply");
    };
    assert_eq!(text, "Invited @carol.");
    let carol = server.cookie("carol").await;
    assert!(page(&server, &carol, &room).await.info.expect("carol's now").joined);

    // Muting sets the room's level for the sender only.
    let ServerFrame::Reply { .. } = bobs.answer(&room, "m1", "/mute").await else { panic!("a reply") };
    let notify = |page: ChatPage| page.info.expect("room").notify;
    assert_eq!(notify(page(&server, &bob, &room).await), NotifyLevel::Nothing);
    assert_ne!(notify(page(&server, &ann, &room).await), NotifyLevel::Nothing);

    // Leaving: out of the private room, whose open pages end as the "Leave" form's do; a
    // conversation cannot be left.
    bobs.send_to(&room, "l1", "/leave").await;
    assert_eq!(bobs.close_code().await, banter::protocol::CLOSE_REMOVED);
    let mut bobs_again = server.join("bob").await;
    let gone = page(&server, &bob, &room).await;
    assert!(gone.info.is_none(), "not in the private room any more");
    let opened = server.post_form("/api/open_direct", Some(&ann), "username=bob").await;
    let direct =
        crate::support::header(&opened, "location").and_then(|l| l.strip_prefix("/r/")).expect("a room");
    let mut in_direct = server.join_room("bob", direct).await;
    let refused = in_direct.answer(direct, "l2", "/leave").await;
    assert!(matches!(&refused, ServerFrame::Error { message, .. } if message.contains("conversation")));
    // A public room cannot be invited into.
    let refused = bobs_again.answer("general", "i4", "/invite @ann").await;
    assert!(matches!(&refused, ServerFrame::Error { message, .. } if message.contains("public")));
}

#[tokio::test]
async fn without_javascript_the_form_runs_commands_too() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let form = |client_id: &str, body: &str| {
        let body = format!(
            "--x\r\nContent-Disposition: form-data; name=\"room\"\r\n\r\ngeneral\r\n\
             --x\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\n{client_id}\r\n\
             --x\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n{body}\r\n--x--\r\n"
        );
        format!(
            "POST /api/post_form HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nAccept: text/html\r\nCookie: {ann}\r\n\
             Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{body}",
            host = server.addr,
            len = body.len()
        )
    };
    let shrug = server.http(&form("f1", "/shrug")).await;
    assert!(shrug.starts_with("HTTP/1.1 303") || shrug.starts_with("HTTP/1.1 302"), "{shrug}");
    let help = server.http(&form("f2", "/help")).await;
    assert!(help.starts_with("HTTP/1.1 200") && help.contains("/topic"), "{help}");
    let unknown = server.http(&form("f3", "/deploy now")).await;
    assert!(unknown.starts_with("HTTP/1.1 400") && unknown.contains("/deploy now"), "kept: {unknown}");
    let bodies: Vec<String> =
        page(&server, &ann, "general").await.history.messages.into_iter().map(|m| m.body).collect();
    assert_eq!(bodies, ["¯\\\\\\_(ツ)\\_/¯"], "the shrug alone was posted");
}

#[tokio::test]
async fn commands_spend_the_senders_allowance_as_messages_do() {
    let server = TestServer::start_with(|c| {
        c.burst = 3;
        c.rate = 0.001;
    })
    .await;
    let mut anns = server.join("ann").await;
    for n in 0..3 {
        let frame = anns.answer("general", &format!("h{n}"), "/topic busy").await;
        assert!(matches!(frame, ServerFrame::Reply { .. }), "{frame:?}");
    }
    let ServerFrame::Error { code, .. } = anns.answer("general", "h3", "/topic busier").await else {
        panic!("a refusal");
    };
    assert_eq!(code, ErrorCode::RateLimited, "a fourth is held back like a fourth message");
}
