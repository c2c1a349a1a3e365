//! Saved messages: each person's own list, the most recently saved first, of messages they can
//! still read; nothing of a room leaks to someone outside it through saving.

use banter::api::{ChatPage, SavedList};
use banter::ids::Seq;
use banter::protocol::ClientFrame;

use crate::support::{TestServer, header, json_body};

/// Save (or forget) message `seq` of `room` as the account behind `cookie`: the whole answer.
async fn save(server: &TestServer, cookie: &str, room: &str, seq: Seq, saved: bool) -> String {
    server.call("/api/save_message", cookie, &format!("room={room}&seq={seq}&saved={saved}")).await
}

/// (room, seq) of each message on the person's list, in its order.
async fn listed(server: &TestServer, cookie: &str) -> Vec<(String, Seq)> {
    let list: SavedList = json_body(&server.call("/api/saved_page", cookie, "").await);
    assert!(list.signed_in);
    list.saved.into_iter().map(|m| (m.room.into_string(), m.seq)).collect()
}

#[tokio::test]
async fn saved_messages_are_ones_own_newest_first_and_only_while_one_can_read_them() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let dave = server.cookie("dave").await;
    let club = server.private_room(&ann, "club", &["bob"]).await;
    let mut anns = server.join_room("ann", &club).await;
    let c1 = anns.say(&club, "c1", "first in the club").await;
    let c2 = anns.say(&club, "c2", "second in the club").await;
    let mut bobs = server.join("bob").await;
    bobs.send_message("g1", "a note for myself").await;
    let g1 = bobs.ack("g1").await;

    for (room, seq) in [(&club, c1), (&"general".to_owned(), g1), (&club, c2)] {
        let answer = save(&server, &bob, room, seq, true).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    // Saving twice keeps its place.
    assert!(save(&server, &bob, &club, c1, true).await.starts_with("HTTP/1.1 200"));
    let general = "general".to_owned();
    assert_eq!(listed(&server, &bob).await, [(club.clone(), c2), (general.clone(), g1), (club.clone(), c1)]);
    // Each person's own: ann saved nothing.
    assert!(listed(&server, &ann).await.is_empty());
    // The page of a room marks what the person saved there.
    let page: ChatPage = json_body(&server.call("/api/load_chat", &bob, "room=general").await);
    assert_eq!(page.saved, [g1]);
    // The list shows the conversation's or room's title and the text.
    let list: SavedList = json_body(&server.call("/api/saved_page", &bob, "").await);
    assert_eq!(
        (list.saved[0].room_title.as_str(), list.saved[0].body.as_str()),
        ("#club", "second in the club")
    );

    // Outside a private room, saving from it is answered as for a room that does not exist.
    let outside = save(&server, &dave, &club, c1, true).await;
    let nowhere = save(&server, &dave, "no-such-room", c1, true).await;
    assert!(outside.starts_with("HTTP/1.1 404"), "{outside}");
    assert_eq!(outside.split("\r\n\r\n").nth(1), nowhere.split("\r\n\r\n").nth(1));
    assert!(listed(&server, &dave).await.is_empty());
    // A message that is not there, and no session at all.
    assert!(save(&server, &bob, "general", Seq(9_999), true).await.starts_with("HTTP/1.1 404"));
    assert!(save(&server, "banter_session=nobody", "general", g1, true).await.starts_with("HTTP/1.1 401"));

    // Deleted: it leaves the list.
    assert!(
        anns.change(ClientFrame::Delete { room: club.clone().into(), client_id: "d1".into(), seq: c2 })
            .await
            .is_ok()
    );
    assert_eq!(listed(&server, &bob).await, [(general.clone(), g1), (club.clone(), c1)]);
    // Removed from the room: what he saved there is no longer his to see.
    let removed =
        server.post_form("/api/remove_member", Some(&ann), &format!("room={club}&username=bob")).await;
    assert!(header(&removed, "location").is_some(), "{removed}");
    assert_eq!(listed(&server, &bob).await, [(general.clone(), g1)]);

    // Taken off the list.
    assert!(save(&server, &bob, "general", g1, false).await.starts_with("HTTP/1.1 200"));
    assert!(listed(&server, &bob).await.is_empty());
}

#[tokio::test]
async fn the_saved_page_works_without_javascript() {
    let server = TestServer::start().await;
    let bob = server.cookie("bob").await;
    server.post_message(&bob, "general", "n1", "remember the milk").await;
    let page: ChatPage = json_body(&server.call("/api/load_chat", &bob, "room=general").await);
    let seq = page.history.messages.iter().find(|m| m.body == "remember the milk").expect("posted").seq;
    assert!(save(&server, &bob, "general", seq, true).await.starts_with("HTTP/1.1 200"));

    let html = server.get_as(&bob, "/saved").await;
    assert!(html.contains("remember the milk"), "{html}");
    assert!(html.contains(&format!("/r/general?at={seq}#m-{seq}")));
    // Its Remove button is a plain form: the server sends the browser back to the page.
    let removed = server
        .post_form("/api/save_message", Some(&bob), &format!("room=general&seq={seq}&saved=false"))
        .await;
    assert!(removed.starts_with("HTTP/1.1 302"), "{removed}");
    assert!(!server.get_as(&bob, "/saved").await.contains("remember the milk"));
    // Signed out, the page sends you to sign in.
    assert!(!server.get("/saved").await.contains("remember the milk"));
}
