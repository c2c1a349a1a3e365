//! People are told apart by account: usernames on every message and presence frame, "mine"
//! decided by account, client ids scoped to their author, and display names that cannot hide
//! what they are.

use banter::ids::{Seq, Username};
use banter::protocol::{ClientFrame, PresenceEvent, ServerFrame};

use crate::support::{TestServer, header};

/// Give `username` the display name `name` through the profile form.
async fn call_me(server: &TestServer, username: &str, name: &str) {
    let cookie = server.cookie(username).await;
    let form = format!("display_name={name}&status=");
    let saved = server.post_form("/api/update_profile", Some(&cookie), &form).await;
    assert_eq!(header(&saved, "location"), Some("/profile?saved=1"), "{saved}");
}

/// The `<li>` of the stored message with this body in a rendered page.
fn item<'a>(page: &'a str, body: &str) -> &'a str {
    page.split("<li data-seq=")
        .skip(1)
        .find(|item| item.contains(body))
        .and_then(|item| item.split("</li>").next())
        .unwrap_or_else(|| panic!("no message {body:?} in the page: {page}"))
}

#[tokio::test]
async fn two_people_with_one_display_name_stay_two_people() {
    let server = TestServer::start().await;
    call_me(&server, "alice", "Alice").await;
    call_me(&server, "mallory", "Alice").await;
    let mut watcher = server.join("watcher").await;
    watcher.hear_people();
    let mut alice = server.join("alice").await;
    let mut mallory = server.join("mallory").await;

    alice.send_message("same-id", "from the real alice").await;
    assert_eq!(alice.ack("same-id").await, Seq(1));
    // Mallory reuses alice's client_id: a new message of hers, not an ack of alice's.
    mallory.send_message("same-id", "from mallory").await;
    assert_eq!(mallory.ack("same-id").await, Seq(2));
    // Alice's retry is still idempotent.
    alice.send_message("same-id", "from the real alice").await;
    assert_eq!(alice.ack("same-id").await, Seq(1));

    let mut heard = Vec::new();
    while heard.len() < 2 {
        if let ServerFrame::Message(message) = watcher.next().await {
            heard.push((message.author, message.username, message.body));
        }
    }
    assert_eq!(
        heard,
        vec![
            ("Alice".to_owned(), Username::from("alice"), "from the real alice".to_owned()),
            ("Alice".to_owned(), Username::from("mallory"), "from mallory".to_owned()),
        ]
    );

    // On each one's page, only their own message is "mine", and the username is beside the name.
    for (me, mine, theirs) in
        [("alice", "from the real alice", "from mallory"), ("mallory", "from mallory", "from the real alice")]
    {
        let page = server.get_as(&server.cookie(me).await, "/").await;
        assert!(item(&page, mine).contains("class=\"message mine\""), "{me}: {}", item(&page, mine));
        assert!(!item(&page, theirs).contains("class=\"message mine\""), "{me}: {}", item(&page, theirs));
        assert!(item(&page, theirs).contains(r#"class="username""#), "{}", item(&page, theirs));
    }
}

#[tokio::test]
async fn presence_and_typing_say_which_account() {
    let server = TestServer::start().await;
    call_me(&server, "bob", "Robert").await;
    let mut watcher = server.join("watcher").await;
    let mut bob = server.join("bob").await;
    let (joined, _) = watcher.until(|f| matches!(f, ServerFrame::Presence { .. })).await;
    assert!(matches!(
        joined,
        ServerFrame::Presence { event: PresenceEvent::Joined, ref username, ref name, .. }
            if username == "bob" && name == "Robert"
    ));
    bob.send(&ClientFrame::Typing { room: "general".into() }).await;
    let (typing, _) = watcher.until(|f| matches!(f, ServerFrame::Typing { .. })).await;
    assert!(matches!(typing, ServerFrame::Typing { ref username, .. } if username == "bob"));
}

#[tokio::test]
async fn display_names_cannot_hide_or_reverse_text() {
    let server = TestServer::start().await;
    let cookie = server.cookie("carol").await;
    // U+202E (right-to-left override) and U+200B (zero-width space), percent-encoded.
    for sneaky in ["car%E2%80%AEol", "ca%E2%80%8Brol"] {
        let form = format!("display_name={sneaky}&status=");
        let refused = server.post_form("/api/update_profile", Some(&cookie), &form).await;
        assert_eq!(header(&refused, "location"), Some("/profile?error=invalid-name"), "{refused}");
    }
    let profile = server.get_as(&cookie, "/profile").await;
    assert!(profile.contains(r#"value="carol""#), "the name is unchanged");
}
