//! Threads: a reply names a message of the room and goes to that message's thread, not the
//! room's timeline (unless sent to the room too). Everyone in the room hears it live with the
//! root's new count; a fresh page shows the count on the root, the thread's own page shows the
//! replies; a client that was away gets each reply once; nobody outside a private room learns
//! anything of its threads.

use banter::api::ChatPage;
use banter::ids::{RoomName, Seq, Username};
use banter::model::{ChatMessage, ThreadPage};
use banter::protocol::{ClientFrame, ErrorCode, ServerFrame};

use crate::support::{Client, TestServer, json_body};

fn reply(room: &str, id: &str, thread: Seq, body: &str, also_to_room: bool) -> ClientFrame {
    ClientFrame::Send {
        room: room.into(),
        client_id: id.into(),
        body: body.into(),
        attachments: Vec::new(),
        reply_to: None,
        thread: Some(thread),
        also_to_room,
    }
}

/// The next new message heard live.
async fn heard(client: &mut Client) -> ChatMessage {
    match client.until(|f| matches!(f, ServerFrame::Message(_))).await.0 {
        ServerFrame::Message(message) => message,
        _ => unreachable!(),
    }
}

async fn page(server: &TestServer, cookie: &str, room: &str) -> ChatPage {
    json_body(&server.call("/api/load_chat", cookie, &format!("room={room}")).await)
}

async fn thread(server: &TestServer, cookie: &str, room: &str, root: Seq) -> String {
    server.call("/api/load_thread", cookie, &format!("room={room}&root={root}")).await
}

fn seqs(messages: &[ChatMessage]) -> Vec<Seq> {
    messages.iter().map(|m| m.seq).collect()
}

#[tokio::test]
async fn a_reply_goes_to_its_thread_and_the_root_counts_it_live_and_on_the_page() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let room = server.private_room(&ann, "club", &["bob"]).await;
    let mut anns = server.join_room("ann", &room).await;
    let mut bobs = server.join_room("bob", &room).await;
    let root = anns.say(&room, "a1", "shall we ship on friday?").await;
    let _ = heard(&mut bobs).await;

    let first = bobs.change(reply(&room, "b1", root, "only if the tests pass", false)).await.expect("stored");
    let live = heard(&mut anns).await;
    assert_eq!((live.seq, live.thread_root, live.also_in_room), (first, Some(root), false));
    let summary = live.thread.expect("the root's thread as of this reply");
    assert_eq!((summary.replies, summary.people.as_slice()), (1, ["bob".to_owned()].as_slice()));
    // Answering a reply is answering in its thread: one level, one root.
    let second = anns.change(reply(&room, "a2", first, "they do", false)).await.expect("stored");
    let live = heard(&mut bobs).await;
    assert_eq!(live.thread_root, Some(root));
    assert_eq!(
        live.thread.as_ref().map(|t| (t.replies, t.people.clone())),
        Some((2, vec!["bob".into(), "ann".into()]))
    );
    let third =
        bobs.change(reply(&room, "b2", root, "shipping friday, everyone", true)).await.expect("stored");
    let live = heard(&mut anns).await;
    assert!(live.also_in_room && live.in_timeline());
    let last_at = live.ts;

    // The room's page: the root with its count, the reply sent to the room, not the others.
    let fresh = page(&server, &bob, &room).await;
    assert_eq!(seqs(&fresh.history.messages), [root, third]);
    let summary = fresh.history.messages[0].thread.clone().expect("the root's thread");
    assert_eq!((summary.replies, summary.last_at), (3, last_at));
    assert_eq!(summary.people, ["bob", "ann"]);
    // Replies only in the thread are no unread messages of the room: Ann's root is Bob's only one.
    let club = fresh.rooms.iter().find(|r| r.name == room).expect("bob's rooms list the club");
    assert_eq!(club.unread, 1);

    // The thread: its root and every reply, oldest first; the page opens it beside the room.
    let opened: ThreadPage = json_body(&thread(&server, &bob, &room, root).await);
    assert_eq!(opened.root.seq, root);
    assert_eq!(seqs(&opened.replies.messages), [first, second, third]);
    assert!(!opened.replies.has_older);
    let beside: ChatPage =
        json_body(&server.call("/api/load_chat", &bob, &format!("room={room}&thread={root}")).await);
    assert_eq!(beside.thread, Some(opened));

    // A reply is no thread of its own, and a thread needs a message to branch from.
    assert!(thread(&server, &bob, &room, first).await.starts_with("HTTP/1.1 404"));
    assert_eq!(
        anns.change(reply(&room, "a3", Seq(9_999), "into the void", false)).await,
        Err(ErrorCode::NoSuchMessage)
    );
}

#[tokio::test]
async fn outside_a_private_room_its_threads_are_not_found_and_its_replies_not_heard() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let dave = server.cookie("dave").await;
    let room = server.private_room(&ann, "club", &[]).await;
    let mut anns = server.join_room("ann", &room).await;
    let mut daves = server.join("dave").await;
    let root = anns.say(&room, "a1", "the secret plan").await;
    anns.change(reply(&room, "a2", root, "step one", false)).await.expect("stored");

    let outside = thread(&server, &dave, &room, root).await;
    let nowhere = thread(&server, &dave, "no-such-room", root).await;
    assert!(outside.starts_with("HTTP/1.1 404"), "{outside}");
    assert_eq!(outside.split("\r\n\r\n").nth(1), nowhere.split("\r\n\r\n").nth(1));
    let page: ChatPage =
        json_body(&server.call("/api/load_chat", &dave, &format!("room={room}&thread={root}")).await);
    assert!(page.info.is_none() && page.thread.is_none());
    let html = server.get_as(&dave, &format!("/r/{room}/t/{root}")).await;
    assert!(!html.contains("step one") && !html.contains("secret plan"));
    // Posting into it from outside is refused like posting into the room.
    let form = format!("room={room}&body=hi&client_id=d1&thread={root}");
    let answer = server.call("/api/post_message", &dave, &form).await;
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    // Dave, in #general, heard nothing of it.
    let frames = daves.round_trip().await;
    assert!(
        frames.iter().all(|f| !matches!(f, ServerFrame::Message(_) | ServerFrame::Activity { .. })),
        "{frames:?}"
    );
}

#[tokio::test]
async fn a_client_that_was_away_gets_each_reply_once_and_a_deleted_root_keeps_its_thread() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let room = server.private_room(&ann, "club", &["bob"]).await;
    let mut anns = server.join_room("ann", &room).await;
    let root = anns.say(&room, "a1", "minutes of the meeting").await;
    // Bob holds the root, then is away while the thread grows and the root goes.
    let r1 = anns.change(reply(&room, "a2", root, "item one", false)).await.expect("stored");
    let r2 = anns.change(reply(&room, "a3", root, "item two", false)).await.expect("stored");
    let gone = anns
        .change(ClientFrame::Delete { room: room.clone().into(), client_id: "d1".into(), seq: root })
        .await;
    let marker = anns.say(&room, "a4", "the end").await;
    assert!(gone.is_ok());

    let mut bobs = server.connect("bob").await;
    bobs.send(&ClientFrame::Hello {
        room: room.clone().into(),
        after: Some(banter::protocol::ResumeFrom::Seq(root)),
    })
    .await;
    let mut replies = Vec::new();
    loop {
        match bobs.next().await {
            ServerFrame::Messages { messages, .. } => {
                for message in &messages {
                    if message.thread_root == Some(root) {
                        replies.push(message.seq);
                    }
                }
                if messages.iter().any(|m| m.seq == marker) {
                    break;
                }
            }
            ServerFrame::Deleted { target, .. } => assert_eq!(target, root),
            ServerFrame::Welcome { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(replies, [r1, r2]);

    // Under the deleted root's placeholder, the thread stays readable and counted.
    let opened: ThreadPage = json_body(&thread(&server, &bob, &room, root).await);
    assert!(opened.root.deleted && opened.root.body.is_empty());
    assert_eq!(seqs(&opened.replies.messages), [r1, r2]);
    let fresh = page(&server, &bob, &room).await;
    let placeholder = fresh.history.messages.iter().find(|m| m.seq == root).expect("the placeholder");
    assert_eq!(placeholder.thread.as_ref().map(|t| t.replies), Some(2));
}

#[tokio::test]
async fn without_javascript_the_thread_page_shows_the_replies_and_its_form_posts_into_it() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let mut anns = server.join("ann").await;
    let root = anns.say("general", "a1", "who is on call this week?").await;
    anns.change(reply("general", "a2", root, "bob is", false)).await.expect("stored");

    let html = server.get_as(&ann, &format!("/r/general/t/{root}")).await;
    assert!(html.starts_with("HTTP/1.1 200"), "{}", &html[..html.len().min(200)]);
    assert!(html.contains("who is on call this week?") && html.contains("bob is"));
    assert!(html.contains(&format!("name=\"thread\" value=\"{root}\"")), "the thread's form names its root");

    // The plain form, as a browser without JavaScript sends it: back to the thread.
    let body = format!(
        "--x\r\nContent-Disposition: form-data; name=\"room\"\r\n\r\ngeneral\r\n\
         --x\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\nform-1\r\n\
         --x\r\nContent-Disposition: form-data; name=\"thread\"\r\n\r\n{root}\r\n\
         --x\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nand carol next week\r\n--x--\r\n"
    );
    let answer = server
        .http(&format!(
            "POST /api/post_form HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nAccept: text/html\r\nCookie: {ann}\r\n\
             Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{body}",
            host = server.addr,
            len = body.len()
        ))
        .await;
    assert!(answer.starts_with("HTTP/1.1 303") || answer.starts_with("HTTP/1.1 302"), "{answer}");
    assert_eq!(crate::support::header(&answer, "location"), Some(format!("/r/general/t/{root}").as_str()));
    let opened: ThreadPage = json_body(&thread(&server, &ann, "general", root).await);
    let texts: Vec<&str> = opened.replies.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(texts, ["bob is", "and carol next week"]);
}

#[tokio::test]
async fn search_finds_a_thread_reply_and_opens_it_in_its_thread() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let mut anns = server.join("ann").await;
    let root = anns.say("general", "a1", "release checklist").await;
    let found =
        anns.change(reply("general", "a2", root, "remember the changelog", false)).await.expect("stored");
    let results: banter::api::SearchResults =
        json_body(&server.call("/api/search_messages", &ann, "form[q]=changelog").await);
    let hit = results.hits.iter().find(|h| h.seq == found).expect("the reply is found");
    assert_eq!(hit.thread_root, Some(root));
    let html = server.get_as(&ann, "/search?q=changelog").await;
    assert!(html.contains(&format!("/r/general/t/{root}?at={found}")), "the result links into the thread");
}

#[tokio::test]
async fn edits_reactions_and_mentions_work_in_a_thread_as_in_the_room() {
    let server = TestServer::start().await;
    let bob = server.cookie("bob").await;
    // Bob's page is in a room of his own; Ann talks in a thread in general.
    server.post_form("/api/create_room", Some(&bob), "name=bobs-room").await;
    let mut bobs_page = server.connect("bob").await;
    bobs_page.send(&ClientFrame::Hello { room: "bobs-room".into(), after: None }).await;
    let mut anns = server.join("ann").await;
    let root = anns.say("general", "a1", "lunch plans").await;
    let plain = anns.change(reply("general", "a2", root, "pizza?", false)).await.expect("stored");
    let to_bob = anns.change(reply("general", "a3", root, "@bob pizza?", false)).await.expect("stored");

    // Bob's page hears of the root, then of each reply as a thread's (its mention included).
    let mut heard = Vec::new();
    while heard.len() < 3 {
        if let (ServerFrame::Activity { seq, mentions, thread_root, .. }, _) =
            bobs_page.until(|f| matches!(f, ServerFrame::Activity { .. })).await
        {
            heard.push((seq, mentions, thread_root));
        }
    }
    assert_eq!(
        heard,
        [
            (root, Vec::new(), None),
            (plain, Vec::new(), Some(root)),
            (to_bob, vec![Username::from("bob")], Some(root))
        ]
    );
    // Neither counts as unread in general; the mention does.
    let rooms: banter::api::RoomsPage = json_body(&server.call("/api/load_rooms", &bob, "").await);
    let general = rooms.mine.iter().find(|r| r.name == "general").expect("general");
    assert_eq!((general.unread, general.mentions), (1, 1), "the root is unread, the reply mentions him");

    let edit = ClientFrame::Edit {
        room: "general".into(),
        client_id: "e1".into(),
        seq: plain,
        body: "pasta?".into(),
    };
    anns.change(edit).await.expect("edited");
    let react =
        ClientFrame::React {
            room: "general".into(), client_id: "r1".into(), seq: plain, emoji: "👍".into()
        };
    anns.change(react).await.expect("reacted");
    let opened: ThreadPage = json_body(&thread(&server, &bob, "general", root).await);
    let reply = opened.replies.messages.iter().find(|m| m.seq == plain).expect("the reply");
    assert_eq!(reply.body, "pasta?");
    assert!(reply.edited_at.is_some());
    assert_eq!(reply.reactions.iter().map(|r| r.emoji.as_str()).collect::<Vec<_>>(), ["👍"]);
    assert_eq!(
        opened.replies.messages.iter().find(|m| m.seq == to_bob).map(|m| m.mentions.clone()),
        Some(vec![Username::from("bob")])
    );
}

/// The thread replies (`seq`s) a connection heard of as news for its person, up to a pong.
async fn thread_news(client: &mut Client) -> Vec<Seq> {
    client
        .round_trip()
        .await
        .into_iter()
        .filter_map(|f| match f {
            ServerFrame::ThreadReply { seq, .. } => Some(seq),
            _ => None,
        })
        .collect()
}

async fn followed(server: &TestServer, cookie: &str) -> Vec<(Seq, i64, i64)> {
    let list: banter::api::ThreadsList = json_body(&server.call("/api/threads_page", cookie, "").await);
    list.threads.iter().map(|t| (t.root.seq, t.replies, t.unread)).collect()
}

#[tokio::test]
async fn followers_hear_each_reply_wherever_they_are_and_the_threads_view_counts_what_they_missed() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let carol = server.cookie("carol").await;
    let dave = server.cookie("dave").await;
    let room = server.private_room(&ann, "club", &["bob", "carol"]).await;
    let mut anns = server.join_room("ann", &room).await;
    let mut carols = server.join_room("carol", &room).await;
    // Bob's page is in #general: the club's thread is news for him only once he follows it.
    let mut bobs = server.join("bob").await;
    let root = anns.say(&room, "a1", "offsite: which week?").await;

    // Carol replies: she follows now, and Ann, whose message started it, does too.
    let r1 = carols.change(reply(&room, "c1", root, "the second", false)).await.expect("stored");
    assert_eq!(thread_news(&mut anns).await, [r1]);
    assert!(thread_news(&mut bobs).await.is_empty(), "bob follows nothing yet");
    // A mention makes Bob a follower: he hears of that reply, on his page in another room.
    let r2 =
        carols.change(reply(&room, "c2", root, "@bob does that work for you?", false)).await.expect("stored");
    assert_eq!(thread_news(&mut bobs).await, [r2]);
    assert!(thread_news(&mut carols).await.is_empty(), "not of one's own reply");
    assert_eq!(followed(&server, &bob).await, [(root, 2, 2)]);
    assert_eq!(followed(&server, &ann).await, [(root, 2, 2)]);
    let page: ChatPage = json_body(&server.call("/api/load_chat", &bob, "room=general").await);
    assert_eq!(page.unread_threads, [(RoomName::from(room.as_str()), root)]);

    // Opening the thread reads it; following is shown there.
    let page: ChatPage =
        json_body(&server.call("/api/load_chat", &bob, &format!("room={room}&thread={root}")).await);
    assert!(page.following);
    assert!(page.unread_threads.is_empty());
    assert_eq!(followed(&server, &bob).await, [(root, 2, 0)]);
    // Replying reads it too: Carol has nothing unread of her own.
    assert_eq!(followed(&server, &carol).await, [(root, 2, 0)]);

    // Unfollowed by hand: no more news, off the list, and a reply by someone else does not
    // bring it back.
    let form = format!("room={room}&root={root}&follow=false");
    assert!(server.call("/api/follow_thread", &bob, &form).await.starts_with("HTTP/1.1 200"));
    let r3 = anns.change(reply(&room, "a2", root, "second week it is", false)).await.expect("stored");
    assert!(thread_news(&mut bobs).await.is_empty());
    assert_eq!(thread_news(&mut carols).await, [r3]);
    assert!(followed(&server, &bob).await.is_empty());
    let page: ChatPage =
        json_body(&server.call("/api/load_chat", &bob, &format!("room={room}&thread={root}")).await);
    assert!(!page.following);
    // Followed again by hand.
    let form = format!("room={room}&root={root}&follow=true");
    assert!(server.call("/api/follow_thread", &bob, &form).await.starts_with("HTTP/1.1 200"));
    assert_eq!(followed(&server, &bob).await, [(root, 3, 0)]);

    // Outside the room, or on a reply, there is no thread to follow.
    let outside =
        server.call("/api/follow_thread", &dave, &format!("room={room}&root={root}&follow=true")).await;
    assert!(outside.starts_with("HTTP/1.1 404"), "{outside}");
    let on_reply =
        server.call("/api/follow_thread", &bob, &format!("room={room}&root={r1}&follow=true")).await;
    assert!(on_reply.starts_with("HTTP/1.1 404"), "{on_reply}");
    assert!(followed(&server, &dave).await.is_empty());
}

#[tokio::test]
async fn a_follower_who_leaves_the_room_hears_nothing_more_of_its_threads() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let room = server.private_room(&ann, "club", &["bob"]).await;
    let mut anns = server.join_room("ann", &room).await;
    let mut bobs = server.join("bob").await;
    let root = anns.say(&room, "a1", "a private matter").await;
    anns.change(reply(&room, "a2", root, "@bob a word?", false)).await.expect("stored");
    assert_eq!(thread_news(&mut bobs).await.len(), 1);

    let left = server.call("/api/remove_member", &bob, &format!("room={room}&username=bob")).await;
    assert!(left.starts_with("HTTP/1.1 200") || left.starts_with("HTTP/1.1 302"), "{left}");
    anns.change(reply(&room, "a3", root, "never mind", false)).await.expect("stored");
    let heard = bobs.round_trip().await;
    assert!(
        !heard
            .iter()
            .any(|f| format!("{f:?}").contains("never mind") || matches!(f, ServerFrame::ThreadReply { .. })),
        "{heard:?}"
    );
    assert!(followed(&server, &bob).await.is_empty());
}
