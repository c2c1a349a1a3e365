//! Drafts: what a person typed and has not sent comes back on their other devices, is theirs
//! alone, and goes once the message is sent, by whatever path.

use banter::api::ChatPage;
use banter::ids::{Seq, Username};
use banter::load::client::session_cookie;
use banter::model::Draft;

use crate::support::{TestServer, json_body};

/// Keep `body` (answering `reply_to`) as the draft in `room`: the whole answer.
async fn save(server: &TestServer, cookie: &str, room: &str, body: &str, reply_to: Option<Seq>) -> String {
    let reply = reply_to.map(|seq| format!("&reply_to={seq}")).unwrap_or_default();
    let form = format!("room={room}&body={}{reply}", crate::support::form_value(body));
    server.call("/api/save_draft", cookie, &form).await
}

/// The draft on a fresh page of `room`.
async fn draft_on_page(server: &TestServer, cookie: &str, room: &str) -> Option<Draft> {
    let page: ChatPage = json_body(&server.call("/api/load_chat", cookie, &format!("room={room}")).await);
    page.draft
}

#[tokio::test]
async fn a_draft_comes_back_on_another_device_and_sending_clears_it() {
    let server = TestServer::start().await;
    let form = "username=ann&password=correct+horse+battery";
    let phone = session_cookie(&server.post_form("/api/sign_up", None, form).await).expect("ann signs up");
    let laptop = session_cookie(&server.post_form("/api/sign_in", None, form).await).expect("and in again");
    let bob = server.cookie("bob").await;
    server.post_message(&bob, "general", "b1", "shall we ship it?").await;
    let asked: ChatPage = json_body(&server.call("/api/load_chat", &bob, "room=general").await);
    let question = asked.history.messages.last().expect("bob's question").seq;

    // Typed on the phone, answering Bob: the laptop's page starts with it.
    let answer = save(&server, &phone, "general", "yes, once the **tests** pass", Some(question)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let on_laptop = draft_on_page(&server, &laptop, "general").await.expect("a draft");
    assert_eq!(on_laptop.body, "yes, once the **tests** pass");
    assert_eq!(on_laptop.reply_to.map(|q| (q.seq, q.username)), Some((question, Username::from("bob"))));
    let alone: Option<Draft> = json_body(&server.call("/api/load_draft", &laptop, "room=general").await);
    assert_eq!(alone.map(|d| d.body).as_deref(), Some("yes, once the **tests** pass"));
    // The laptop types on: the latest text wins.
    save(&server, &laptop, "general", "yes, once the tests pass. Tomorrow?", Some(question)).await;
    let latest = draft_on_page(&server, &phone, "general").await.expect("a draft");
    assert_eq!(latest.body, "yes, once the tests pass. Tomorrow?");
    // Bob sees none of it.
    assert_eq!(draft_on_page(&server, &bob, "general").await, None);

    // Sent over the socket: gone everywhere.
    let mut socket = crate::support::Client::connect(&server.ws_url(), &phone).await;
    socket.send(&banter::protocol::ClientFrame::Hello { room: "general".into(), after: None }).await;
    socket.say("general", "s1", "yes, once the tests pass. Tomorrow?").await;
    assert_eq!(draft_on_page(&server, &laptop, "general").await, None);

    // Sent through the plain form: gone too.
    save(&server, &laptop, "general", "one more thing", None).await;
    assert!(draft_on_page(&server, &phone, "general").await.is_some());
    server.post_message(&laptop, "general", "f1", "one more thing").await;
    assert_eq!(draft_on_page(&server, &phone, "general").await, None);

    // Emptied by hand: forgotten.
    save(&server, &phone, "general", "never mind", None).await;
    save(&server, &phone, "general", "", None).await;
    assert_eq!(draft_on_page(&server, &laptop, "general").await, None);
}

#[tokio::test]
async fn a_threads_draft_is_kept_apart_from_the_rooms_and_a_reply_in_it_clears_only_it() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let mut anns = server.join("ann").await;
    let root = anns.say("general", "a1", "a question for a thread").await;
    save(&server, &ann, "general", "for the room", None).await;
    let form = format!("room=general&body=for+the+thread&thread={root}");
    assert!(server.call("/api/save_draft", &ann, &form).await.starts_with("HTTP/1.1 200"));

    let page: ChatPage =
        json_body(&server.call("/api/load_chat", &ann, &format!("room=general&thread={root}")).await);
    assert_eq!(page.draft.map(|d| d.body).as_deref(), Some("for the room"));
    assert_eq!(page.thread_draft.map(|d| d.body).as_deref(), Some("for the thread"));
    let alone: Option<Draft> =
        json_body(&server.call("/api/load_draft", &ann, &format!("room=general&thread={root}")).await);
    assert_eq!(alone.map(|d| d.body).as_deref(), Some("for the thread"));

    // A reply in the thread clears the thread's draft; the room's stays.
    let reply = banter::protocol::ClientFrame::Send {
        room: "general".into(),
        client_id: "a2".into(),
        body: "for the thread".into(),
        attachments: Vec::new(),
        reply_to: None,
        thread: Some(root),
        also_to_room: false,
    };
    anns.change(reply).await.expect("stored");
    let page: ChatPage =
        json_body(&server.call("/api/load_chat", &ann, &format!("room=general&thread={root}")).await);
    assert_eq!(page.thread_draft, None);
    assert_eq!(page.draft.map(|d| d.body).as_deref(), Some("for the room"));
}

#[tokio::test]
async fn drafts_are_refused_where_a_message_would_be() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let dave = server.cookie("dave").await;
    let club = server.private_room(&ann, "club", &[]).await;

    // A private room dave is not in answers as one that does not exist.
    let outside = save(&server, &dave, &club, "let me in", None).await;
    let nowhere = save(&server, &dave, "no-such-room", "let me in", None).await;
    assert!(outside.starts_with("HTTP/1.1 404"), "{outside}");
    assert_eq!(outside.split("\r\n\r\n").nth(1), nowhere.split("\r\n\r\n").nth(1));
    // No longer than a message; no draft without a session.
    let long = "x".repeat(banter::protocol::MAX_BODY_CHARS + 1);
    let too_long = save(&server, &ann, "general", &long, None).await;
    assert!(too_long.starts_with("HTTP/1.1 413") && too_long.contains("body_too_long"), "{too_long}");
    assert!(save(&server, "banter_session=none", "general", "hi", None).await.starts_with("HTTP/1.1 401"));
    assert_eq!(draft_on_page(&server, &ann, "general").await, None);
}
