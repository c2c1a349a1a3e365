//! The server-rendered page, the no-JavaScript form, and history pagination.

use banter::model::ChatMessage;
use banter::protocol::{HISTORY_PAGE, ServerFrame};
use banter::server::Store;

use crate::support::TestServer;

#[tokio::test]
async fn the_page_holds_the_chat_and_its_history_before_any_script_runs() {
    let server = TestServer::start().await;
    let mut a = server.join("alice").await;
    a.send_message("x1", "<img src=x onerror=alert(1)>").await;
    a.ack("x1").await;

    let page = server.get("/").await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains(r#"id="chat-box""#));
    assert!(page.contains(r#"role="log""#));
    // No name cookie: the name picker shows instead of the composer.
    assert!(page.contains(r#"id="name-input""#));
    // The message is there, escaped: text, never markup.
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"), "message missing or unescaped");
    assert!(!page.contains("<img src=x"));

    let page = server
        .http(&format!(
            "GET / HTTP/1.1\r\nHost: {}\r\nCookie: banter_name=alice\r\nConnection: close\r\n\r\n",
            server.addr
        ))
        .await;
    assert!(page.contains(r#"id="message-input""#));
    assert!(page.contains(">Send</button>"));
}

#[tokio::test]
async fn the_form_posts_without_javascript_and_live_pages_see_it() {
    let server = TestServer::start().await;
    let mut watcher = server.join("watcher").await;
    let form = "name=nojs&body=posted+without+JS&client_id=form1";
    let response = server
        .http(&format!(
            "POST /api/post_message HTTP/1.1\r\nHost: {host}\r\nAccept: text/html\r\nReferer: http://{host}/\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{form}",
            host = server.addr,
            len = form.len()
        ))
        .await;
    assert!(response.starts_with("HTTP/1.1 302"), "{response}");
    assert!(response.to_ascii_lowercase().contains("set-cookie: banter_name=nojs"));
    let (frame, _) = watcher.until(|f| matches!(f, ServerFrame::Message(_))).await;
    assert!(
        matches!(frame, ServerFrame::Message(ref m) if m.body == "posted without JS" && m.author == "nojs")
    );

    // The page that the redirect leads to shows it.
    let page = server.get("/").await;
    assert!(page.contains("posted without JS"));
}

#[tokio::test]
async fn pages_walk_back_through_history_without_gaps_or_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pages.db");
    {
        let server = TestServer::start_on(db.clone(), |c| c.rate = 1e9).await;
        let mut a = server.join("a").await;
        for n in 1..=120 {
            a.send_message(&format!("p{n}"), &format!("n{n}")).await;
        }
        a.ack("p120").await;
    }
    let store = Store::open(&db).await.unwrap();
    let room = store.room_id("general").await.unwrap().unwrap();
    let seqs = |messages: &[ChatMessage]| messages.iter().map(|m| m.seq).collect::<Vec<_>>();

    let latest = store.page(room, "general", None, HISTORY_PAGE).await.unwrap();
    assert_eq!(seqs(&latest.messages), (71..=120).collect::<Vec<_>>());
    assert!(latest.has_older);
    let middle = store.page(room, "general", Some(71), HISTORY_PAGE).await.unwrap();
    assert_eq!(seqs(&middle.messages), (21..=70).collect::<Vec<_>>());
    assert!(middle.has_older);
    let oldest = store.page(room, "general", Some(21), HISTORY_PAGE).await.unwrap();
    assert_eq!(seqs(&oldest.messages), (1..=20).collect::<Vec<_>>());
    assert!(!oldest.has_older);
    let before_first = store.page(room, "general", Some(1), HISTORY_PAGE).await.unwrap();
    assert!(before_first.messages.is_empty() && !before_first.has_older);
    // Exactly one page's worth: no phantom "older".
    let exact = store.page(room, "general", Some(51), HISTORY_PAGE).await.unwrap();
    assert_eq!(exact.messages.len(), HISTORY_PAGE);
    assert!(!exact.has_older);
}

#[tokio::test]
async fn the_older_page_server_function_answers_json() {
    let server = TestServer::start_with(|c| c.rate = 1e9).await;
    let mut a = server.join("a").await;
    for n in 1..=60 {
        a.send_message(&format!("o{n}"), &format!("n{n}")).await;
    }
    a.ack("o60").await;
    let body = "before=11";
    let response = server
        .http(&format!(
            "POST /api/load_older HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            server.addr,
            body.len()
        ))
        .await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let json = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    let page: banter::model::HistoryPage = serde_json::from_str(json).expect("a history page");
    assert_eq!(page.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>());
    assert!(!page.has_older);
}
