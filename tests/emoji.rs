//! Emoji over the wire: the picker's catalog, and `:shortcode:` expansion on every way in.

use banter::emoji::{CATALOG_PATH, Catalog};
use banter::protocol::ServerFrame;

use crate::support::{TestServer, header};

#[tokio::test]
async fn the_catalog_is_served_to_anyone_and_cacheable() {
    let server = TestServer::start().await;
    let response = server.get(CATALOG_PATH).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{}", &response[..200.min(response.len())]);
    assert_eq!(header(&response, "content-type"), Some("text/plain; charset=utf-8"));
    assert!(header(&response, "cache-control").is_some_and(|c| c.starts_with("public, max-age=")));
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
    let catalog = Catalog::parse(body);
    assert_eq!(catalog.groups.len(), 9);
    let rocket = catalog.find("🚀").expect("the rocket is there");
    assert!(rocket.shortcodes.iter().any(|s| s == "rocket"));
    assert_eq!(catalog.find("👍").map(|e| e.tones.len()), Some(5));
}

#[tokio::test]
async fn shortcodes_are_expanded_for_sockets_and_forms_alike() {
    let server = TestServer::start().await;
    let mut alice = server.join("alice").await;
    let mut bob = server.join("bob").await;

    alice.send_message("e1", "launch :rocket: at 12:30 :nope:").await;
    alice.ack("e1").await;
    let (frame, _) = bob.until(|f| matches!(f, ServerFrame::Message(m) if m.client_id == "e1")).await;
    let ServerFrame::Message(message) = frame else { unreachable!() };
    assert_eq!(message.body, "launch 🚀 at 12:30 :nope:");

    let cookie = server.cookie("bob").await;
    let posted = server
        .post_form("/api/post_message", Some(&cookie), "room=general&body=%3Atada%3A&client_id=e2")
        .await;
    assert!(posted.starts_with("HTTP/1.1 30") || posted.starts_with("HTTP/1.1 200"), "{posted}");
    let (frame, _) = alice.until(|f| matches!(f, ServerFrame::Message(m) if m.client_id == "e2")).await;
    let ServerFrame::Message(message) = frame else { unreachable!() };
    assert_eq!(message.body, "🎉");

    // Stored as expanded: the page renders the emoji.
    let page = server.get_as(&cookie, "/").await;
    assert!(page.contains("launch 🚀 at 12:30 :nope:"));
    assert!(page.contains(r#"class="body jumbo""#), "a lone emoji is drawn large");
}
