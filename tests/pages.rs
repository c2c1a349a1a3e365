//! The server-rendered page, the no-JavaScript form, and history pagination.

use banter::ids::Seq;
use banter::model::ChatMessage;
use banter::protocol::{HISTORY_PAGE, ServerFrame};

use crate::support::TestServer;

#[tokio::test]
async fn the_page_holds_the_chat_and_its_history_before_any_script_runs() {
    let server = TestServer::start().await;
    let mut a = server.join("alice").await;
    a.send_message("x1", "<img src=x onerror=alert(1)>").await;
    a.ack("x1").await;

    let page = server.get_as(&server.cookie("alice").await, "/").await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains(r#"id="chat-box""#));
    assert!(page.contains(r#"role="log""#));
    assert!(page.contains(r#"id="message-input""#));
    assert!(page.contains(">Send</button>"));
    // The message is there, escaped: text, never markup.
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"), "message missing or unescaped");
    assert!(!page.contains("<img src=x"));
    // All of it in place, at every address of a room's page: not a "Loading…" to be replaced
    // by a chunk streamed after it, which a page without JavaScript never swaps in.
    for address in ["/", "/r/general", "/r/general/", "/r/general?at=1", "/r/general/t/1"] {
        let page = server.get_as(&server.cookie("alice").await, address).await;
        assert!(page.contains(r#"id="chat-box""#), "{address}: {page}");
        assert!(!page.contains("Loading…") && !page.contains("<template"), "{address}: {page}");
    }
}

/// Pages opened at the same moment, rendered on several worker threads as in the binary.
const PAGES_AT_ONCE: usize = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_chat_pages_opened_at_once_all_render_whole() {
    let server = TestServer::start().await;
    let mut a = server.join("alice").await;
    a.send_message("c1", "everyone sees this").await;
    a.ack("c1").await;
    let cookie = server.cookie("alice").await;

    let pages = futures::future::join_all((0..PAGES_AT_ONCE).map(|_| server.get_as(&cookie, "/"))).await;
    for page in pages {
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(page.contains("everyone sees this") && page.contains("<title>"), "{page}");
    }
}

/// Servers started while this one renders pages (other tests in this process, or the nodes of
/// one test).
const SERVERS_STARTED_MEANWHILE: usize = 20;

/// Building a server's routes runs the app once with its resources held back (Leptos does so
/// process-wide); a page whose data was first asked for in that moment used to wait for ever.
/// Routes are now built once per process, so a server starting never holds back another's page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_whole_while_other_servers_start() {
    let server = TestServer::start().await;
    let cookie = server.cookie("alice").await;
    let starting = tokio::spawn(async {
        for _ in 0..SERVERS_STARTED_MEANWHILE {
            TestServer::start().await.stop().await;
        }
    });
    let mut rendered = 0;
    while !starting.is_finished() {
        let pages = futures::future::join_all((0..4).map(|_| server.get_as(&cookie, "/"))).await;
        for page in pages {
            assert!(page.starts_with("HTTP/1.1 200") && page.contains("</html>"), "{page}");
            rendered += 1;
        }
    }
    starting.await.expect("the other servers started and stopped");
    assert!(rendered > 0, "no page was rendered while the others started");
}

#[tokio::test]
async fn without_a_session_the_chat_sends_you_to_sign_in_and_shows_nothing() {
    let server = TestServer::start().await;
    let mut a = server.join("alice").await;
    a.send_message("s1", "members only").await;
    a.ack("s1").await;

    let page = server.get("/").await;
    assert!(page.starts_with("HTTP/1.1 302"), "{page}");
    assert!(page.to_ascii_lowercase().contains("location: /signin"), "{page}");
    assert!(!page.contains("members only"));
    let bogus = "banter_session=00000000000000000000000000000000000000000000000000000000deadbeef";
    let page = server.get_as(bogus, "/").await;
    assert!(page.starts_with("HTTP/1.1 302") && !page.contains("members only"), "{page}");

    // The sign-in page itself is a plain form that works without JavaScript.
    let signin = server.get("/signin").await;
    assert!(signin.starts_with("HTTP/1.1 200"), "{signin}");
    assert!(signin.contains(r#"action="/api/sign_in""#), "{signin}");
    assert!(signin.contains(r#"name="password""#));
}

#[tokio::test]
async fn the_form_posts_without_javascript_and_live_pages_see_it() {
    let server = TestServer::start().await;
    let mut watcher = server.join("watcher").await;
    // Without a session the post is refused: nothing is stored or broadcast.
    let refused =
        server.post_form("/api/post_message", None, "room=general&body=anonymous&client_id=form0").await;
    assert!(!refused.starts_with("HTTP/1.1 2"), "{refused}");

    let cookie = server.cookie("nojs").await;
    let form = "room=general&body=posted+without+JS&client_id=form1";
    let response = server.post_form("/api/post_message", Some(&cookie), form).await;
    assert!(response.starts_with("HTTP/1.1 302"), "{response}");
    // The first message the watcher sees is the signed-in one: the anonymous post never was.
    let (frame, _) = watcher.until(|f| matches!(f, ServerFrame::Message(_))).await;
    assert!(
        matches!(frame, ServerFrame::Message(ref m) if m.body == "posted without JS" && m.author == "nojs"),
        "{frame:?}"
    );

    // The page that the redirect leads to shows it.
    let page = server.get_as(&cookie, "/").await;
    assert!(page.contains("posted without JS"));
}

#[tokio::test]
async fn pages_walk_back_through_history_without_gaps_or_overlap() {
    let server = TestServer::start_with(|c| c.rate = 1e9).await;
    let mut a = server.join("ann").await;
    for n in 1..=120 {
        a.send_message(&format!("p{n}"), &format!("n{n}")).await;
    }
    a.ack("p120").await;
    let store = server.store().await;
    let room = store.room_id("general").await.unwrap().unwrap();
    let seqs = |messages: &[ChatMessage]| messages.iter().map(|m| m.seq).collect::<Vec<_>>();

    let latest = store.page(room, "general", None, HISTORY_PAGE).await.unwrap();
    assert_eq!(seqs(&latest.messages), (71..=120).map(Seq).collect::<Vec<_>>());
    assert!(latest.has_older);
    let middle = store.page(room, "general", Some(Seq(71)), HISTORY_PAGE).await.unwrap();
    assert_eq!(seqs(&middle.messages), (21..=70).map(Seq).collect::<Vec<_>>());
    assert!(middle.has_older);
    let oldest = store.page(room, "general", Some(Seq(21)), HISTORY_PAGE).await.unwrap();
    assert_eq!(seqs(&oldest.messages), (1..=20).map(Seq).collect::<Vec<_>>());
    assert!(!oldest.has_older);
    let before_first = store.page(room, "general", Some(Seq(1)), HISTORY_PAGE).await.unwrap();
    assert!(before_first.messages.is_empty() && !before_first.has_older);
    // Exactly one page's worth: no phantom "older".
    let exact = store.page(room, "general", Some(Seq(51)), HISTORY_PAGE).await.unwrap();
    assert_eq!(exact.messages.len(), HISTORY_PAGE);
    assert!(!exact.has_older);
}

#[tokio::test]
async fn the_older_page_server_function_answers_json() {
    let server = TestServer::start_with(|c| c.rate = 1e9).await;
    let mut a = server.join("ann").await;
    for n in 1..=60 {
        a.send_message(&format!("o{n}"), &format!("n{n}")).await;
    }
    a.ack("o60").await;
    let older = |cookie: String| {
        let body = "room=general&before=11";
        format!(
            "POST /api/load_older HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n{cookie}\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            server.addr,
            body.len()
        )
    };
    // History is for signed-in people only.
    let refused = server.http(&older(String::new())).await;
    assert!(!refused.starts_with("HTTP/1.1 200") && refused.contains("sign in first"), "{refused}");
    let cookie = server.cookie("ann").await;
    let response = server.http(&older(format!("Cookie: {cookie}\r\n"))).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let json = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    let page: banter::model::HistoryPage = serde_json::from_str(json).expect("a history page");
    assert_eq!(
        page.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (1..=10).map(Seq).collect::<Vec<_>>()
    );
    assert!(!page.has_older);
}

#[tokio::test]
async fn messages_group_under_one_header_and_days_are_separated_in_the_first_html() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    for (cookie, id, body) in
        [(&ann, "g1", "first+from+ann"), (&ann, "g2", "second+from+ann"), (&bob, "g3", "then+bob")]
    {
        let form = format!("room=general&body={body}&client_id={id}");
        let posted = server.post_form("/api/post_message", Some(cookie), &form).await;
        assert!(posted.starts_with("HTTP/1.1 302"), "{posted}");
    }
    let page = server.get_as(&ann, "/").await;
    let item = |body: &str| {
        page.split("<li ")
            .find(|item| item.starts_with("data-seq") && item.contains(body))
            .and_then(|item| item.split("</li>").next())
            .unwrap_or_else(|| panic!("no {body:?}"))
            .to_owned()
    };
    assert!(!item("first from ann").contains("continued"), "{}", item("first from ann"));
    assert!(item("second from ann").contains("message mine continued"), "{}", item("second from ann"));
    assert!(!item("then bob").contains("continued"), "{}", item("then bob"));
    assert!(item("then bob").contains(r#"class="avatar""#), "a header has an avatar");
    // One separator, before the first message of the day.
    assert_eq!(page.matches(r#"<li class="day">"#).count(), 1, "{page}");
    let separator = page.find(r#"<li class="day"><span>Today"#).expect("a Today separator");
    assert!(separator < page.find("first from ann").unwrap_or(0));
}

#[tokio::test]
async fn the_page_title_names_the_room() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let page = server.get_as(&ann, "/").await;
    assert!(page.contains("<title>#general · Banter</title>"), "{}", &page[..page.len().min(2000)]);
}

#[tokio::test]
async fn a_new_messages_line_marks_where_unread_messages_start() {
    let server = TestServer::start().await;
    let mut alice = server.join("alice").await;
    let bob = server.cookie("bob").await;
    alice.send_message("old", "read already").await;
    let read = alice.ack("old").await;
    let marked = server.call("/api/mark_read", &bob, &format!("room=general&seq={read}")).await;
    assert!(marked.starts_with("HTTP/1.1 200"), "{marked}");
    alice.send_message("new1", "first unread").await;
    let first = alice.ack("new1").await;
    alice.send_message("new2", "second unread").await;
    alice.ack("new2").await;

    let page = server.get_as(&bob, "/").await;
    let line = page.find(r#"id="first-unread""#).expect("a New messages line");
    let next_message =
        page[line..].find("<li data-seq=").map(|at| &page[line + at..]).expect("a message after it");
    assert!(next_message.starts_with(&format!("<li data-seq=\"{first}\"")), "{}", &next_message[..80]);
    // Someone with nothing unread sees no line.
    let alice_page = server.get_as(&server.cookie("alice").await, "/").await;
    assert!(!alice_page.contains(r#"id="first-unread""#));
}

/// A room's integrations page and moderation log are the server's alone: whole without a
/// script, and without the bundle (their forms are plain forms), while the chat hydrates.
#[tokio::test]
async fn the_integrations_and_moderation_pages_come_without_the_bundle() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let room = server.private_room(&ann, "ops", &[]).await;
    let chat = server.get_as(&ann, &format!("/r/{room}")).await;
    assert!(chat.contains("modulepreload"), "the chat loads its bundle: {chat}");
    for page in ["integrations", "moderation"] {
        let page = server.get_as(&ann, &format!("/r/{room}/{page}")).await;
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(page.contains("<h1>") && page.contains("ops"), "rendered whole: {page}");
        assert!(!page.contains("modulepreload") && !page.contains("hydrate"), "no bundle: {page}");
    }
}
