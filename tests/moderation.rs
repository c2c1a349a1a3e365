//! Moderation: a room's creator promotes moderators, who delete anyone's message and remove
//! people; server administrators (`--admins`) do so anywhere; every act is logged, and the
//! log is for moderators only.

use banter::api::{ChatPage, ModerationPage};
use banter::ids::Seq;
use banter::protocol::{CLOSE_REMOVED, ClientFrame, ErrorCode};

use crate::support::{Client, Event, TestServer, json_body};

/// A socket of `username` joined to `room`.
async fn join(server: &TestServer, username: &str, room: &str) -> Client {
    server.join_room(username, room).await
}

/// Post `body` in `room`; its `seq`.
async fn say(client: &mut Client, room: &str, id: &str, body: &str) -> Seq {
    client.say(room, id, body).await
}

/// Delete message `seq` in `room`: its `seq` as a change, or the error.
async fn delete(client: &mut Client, room: &str, id: &str, seq: Seq) -> Result<Seq, ErrorCode> {
    client.change(ClientFrame::Delete { room: room.into(), client_id: id.into(), seq }).await
}

/// The moderation log as `cookie` sees it: `None` if not theirs to see.
async fn log(server: &TestServer, cookie: &str, room: &str) -> Option<Vec<String>> {
    let page: ModerationPage =
        json_body(&server.call("/api/load_moderation", cookie, &format!("room={room}")).await);
    page.title.map(|_| {
        page.lines
            .into_iter()
            .map(|l| format!("{} {} {}", l.actor, l.action, l.target.unwrap_or_default()))
            .collect()
    })
}

async fn set_moderator(server: &TestServer, cookie: &str, room: &str, username: &str, on: bool) -> String {
    let flag = if on { "&moderator=on" } else { "" };
    let answer = server
        .post_form("/api/set_moderator", Some(cookie), &format!("room={room}&username={username}{flag}"))
        .await;
    answer.lines().find(|l| l.to_ascii_lowercase().starts_with("location:")).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_creator_promotes_a_moderator_who_deletes_others_messages_and_each_act_is_logged() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let carol = server.cookie("carol").await;
    server.post_form("/api/create_room", Some(&ann), "name=club").await;
    for cookie in [&bob, &carol] {
        server.post_form("/api/join_room", Some(cookie), "room=club").await;
    }
    let mut carols = join(&server, "carol", "club").await;
    let spam = say(&mut carols, "club", "c1", "spam spam spam").await;
    let mut bobs = join(&server, "bob", "club").await;

    // Not yet a moderator: refused, and nothing logged.
    assert_eq!(delete(&mut bobs, "club", "d1", spam).await, Err(ErrorCode::NotYours));
    // Nor may bob promote himself, or carol promote anyone.
    assert!(set_moderator(&server, &bob, "club", "bob", true).await.contains("error=not-allowed"));
    assert!(set_moderator(&server, &carol, "club", "bob", true).await.contains("error=not-allowed"));
    assert_eq!(log(&server, &carol, "club").await, None);

    assert_eq!(set_moderator(&server, &ann, "club", "bob", true).await, "location: /r/club");
    let page: ChatPage = json_body(&server.call("/api/load_chat", &bob, "room=club").await);
    let info = page.info.expect("room info");
    assert!(info.moderator && !info.promotes);
    let moderators: Vec<_> =
        info.members.iter().filter(|m| m.moderator).map(|m| m.username.as_str()).collect();
    assert_eq!(moderators, ["ann", "bob"]);

    assert!(delete(&mut bobs, "club", "d2", spam).await.is_ok());
    assert_eq!(
        log(&server, &bob, "club").await.expect("bob moderates"),
        ["bob delete carol", "ann promote bob"]
    );

    // Demoted, he can no longer.
    let more = say(&mut carols, "club", "c2", "more spam").await;
    set_moderator(&server, &ann, "club", "bob", false).await;
    assert_eq!(delete(&mut bobs, "club", "d3", more).await, Err(ErrorCode::NotYours));
    assert_eq!(log(&server, &bob, "club").await, None);
    assert_eq!(log(&server, &ann, "club").await.expect("ann moderates")[0], "ann demote bob");
}

#[tokio::test]
async fn an_administrator_deletes_anywhere_and_removes_people_from_public_rooms() {
    let server = TestServer::start_with(|c| c.admins = vec!["root".into()]).await;
    let bob = server.cookie("bob").await;
    let root = server.cookie("root").await;
    let mut anns = server.join("ann").await;
    anns.send_message("a1", "something awful").await;
    let awful = anns.ack("a1").await;

    // A member cannot remove anyone from a public room.
    let refused = server.post_form("/api/remove_member", Some(&bob), "room=general&username=ann").await;
    assert!(refused.contains("error=not-allowed"), "{refused}");

    let mut roots = server.join("root").await;
    assert!(delete(&mut roots, "general", "r1", awful).await.is_ok());
    let removed = server.post_form("/api/remove_member", Some(&root), "room=general&username=ann").await;
    assert!(removed.contains("location: /r/general"), "{removed}");
    // Ann's open socket in the room ends at once.
    loop {
        match anns.event().await {
            Event::Closed(Some(frame)) => break assert_eq!(u16::from(frame.code), CLOSE_REMOVED),
            Event::Frame(_) => continue,
            other => panic!("expected a close, got {other:?}"),
        }
    }
    assert_eq!(
        log(&server, &root, "general").await.expect("admins see every log"),
        ["root remove ann", "root delete ann"]
    );
    // Someone who moderates nothing sees no log.
    assert_eq!(log(&server, &bob, "general").await, None);
}

#[tokio::test]
async fn moderators_cannot_remove_the_creator() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    server.post_form("/api/create_room", Some(&ann), "name=club").await;
    server.post_form("/api/join_room", Some(&bob), "room=club").await;
    set_moderator(&server, &ann, "club", "bob", true).await;
    let refused = server.post_form("/api/remove_member", Some(&bob), "room=club&username=ann").await;
    assert!(refused.contains("error=not-allowed"), "{refused}");
    let page: ChatPage = json_body(&server.call("/api/load_chat", &ann, "room=club").await);
    assert!(page.info.expect("still hers").joined);
}
