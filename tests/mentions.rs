//! Mentions: `@username` of a room's member is stored as a reference to that account, marked
//! in the message, counted per room until read, and told live to the person's other pages.

use banter::api::{ChatPage, Member, RoomsPage};
use banter::ids::Username;
use banter::protocol::{ClientFrame, ServerFrame};

use crate::support::{TestServer, json_body};

/// `(room title, unread, mentions)` of each of the person's rooms.
async fn counts(server: &TestServer, cookie: &str) -> Vec<(String, i64, i64)> {
    let page: RoomsPage = json_body(&server.call("/api/load_rooms", cookie, "").await);
    page.mine.into_iter().map(|r| (r.title, r.unread, r.mentions)).collect()
}

#[tokio::test]
async fn a_mention_is_marked_counted_until_read_and_survives_a_rename() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    server.post_message(&ann, "general", "m1", "hi @Bob and @nobody, mail bob@example.com").await;
    server.post_message(&ann, "general", "m2", "plain words").await;
    assert_eq!(counts(&server, &bob).await, [("#general".to_owned(), 2, 1)]);
    // Her own message mentions nobody she has not read.
    assert_eq!(counts(&server, &ann).await, [("#general".to_owned(), 0, 0)]);

    // Bob renames himself: the mention still names him, by his account.
    let renamed = server.post_form("/api/update_profile", Some(&bob), "display_name=Robert&status=").await;
    assert!(renamed.starts_with("HTTP/1.1 30"), "{renamed}");
    let page: ChatPage = json_body(&server.call("/api/load_chat", &bob, "room=general").await);
    let first = &page.history.messages[0];
    assert_eq!(first.mentions, ["bob"]);
    assert!(first.html.contains(r#"<span class="mention">@Bob</span> and @nobody"#), "{}", first.html);
    assert!(page.history.messages[1].mentions.is_empty());

    // Reading the room clears the count.
    let read = server
        .call("/api/mark_read", &bob, &format!("room=general&seq={}", page.history.messages[1].seq))
        .await;
    assert!(read.starts_with("HTTP/1.1 200"), "{read}");
    assert_eq!(counts(&server, &bob).await, [("#general".to_owned(), 0, 0)]);
}

#[tokio::test]
async fn naming_someone_in_a_room_they_are_not_in_tells_them_nothing() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    server.post_form("/api/create_room", Some(&ann), "name=hideout&private=on").await;
    let rooms: RoomsPage = json_body(&server.call("/api/load_rooms", &ann, "").await);
    let hideout = rooms.mine.iter().find(|r| r.title == "#hideout").expect("ann's room").name.clone();
    server.post_message(&ann, &hideout, "p1", "shall we ask @bob?").await;
    let page: ChatPage = json_body(&server.call("/api/load_chat", &ann, &format!("room={hideout}")).await);
    assert!(page.history.messages[0].mentions.is_empty());
    assert!(!page.history.messages[0].html.contains("mention"));
    assert_eq!(counts(&server, &bob).await, [("#general".to_owned(), 0, 0)]);
    // Nor can he list its members to complete a name.
    let answer = server.call("/api/find_members", &bob, &format!("room={hideout}&prefix=a")).await;
    assert!(!answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn a_mention_reaches_the_persons_page_in_another_room_and_an_edit_can_take_it_back() {
    let server = TestServer::start().await;
    let bob = server.cookie("bob").await;
    // Bob's page is open in a room of his own; Ann talks in general.
    server.post_form("/api/create_room", Some(&bob), "name=bobs-room").await;
    let mut bobs_page = server.connect("bob").await;
    bobs_page.send(&ClientFrame::Hello { room: "bobs-room".into(), after: None }).await;
    let mut ann_client = server.join("ann").await;
    ann_client.send_message("m1", "@bob lunch?").await;
    let seq = ann_client.ack("m1").await;
    let (frame, _) = bobs_page.until(|f| matches!(f, ServerFrame::Activity { .. })).await;
    let ServerFrame::Activity { room, mentions, .. } = frame else { unreachable!() };
    assert_eq!((room.as_str(), mentions), ("general", vec![Username::from("bob")]));

    let edit = ClientFrame::Edit {
        room: "general".into(),
        client_id: "e1".into(),
        seq,
        body: "lunch, anyone?".into(),
    };
    ann_client.send(&edit).await;
    let (frame, _) = ann_client.until(|f| matches!(f, ServerFrame::Edited { .. })).await;
    assert!(matches!(frame, ServerFrame::Edited { ref mentions, .. } if mentions.is_empty()), "{frame:?}");
    let general = counts(&server, &bob).await.into_iter().find(|(t, ..)| t == "#general").expect("general");
    assert_eq!(general.2, 0);
}

#[tokio::test]
async fn the_composer_completes_members_by_username_or_display_name() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    server.cookie("bobby").await;
    server.cookie("carol").await;
    server.post_form("/api/update_profile", Some(&bob), "display_name=Robert&status=").await;
    let find = |prefix: &'static str| {
        let ann = ann.clone();
        let server = &server;
        async move {
            let answer =
                server.call("/api/find_members", &ann, &format!("room=general&prefix={prefix}")).await;
            json_body::<Vec<Member>>(&answer).into_iter().map(|m| m.username).collect::<Vec<_>>()
        }
    };
    assert_eq!(find("bo").await, ["bob", "bobby"]);
    assert_eq!(find("ROB").await, ["bob"]);
    // Not oneself; LIKE's wildcards are letters here.
    assert_eq!(find("an").await, Vec::<String>::new());
    assert_eq!(find("%25").await, Vec::<String>::new());
}
