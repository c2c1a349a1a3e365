//! Reporting a message to the room's moderators, from outside: only someone who can read a
//! message (not its author) reports it; only those who may act see the report — the room's
//! moderators, or for a conversation the administrators; resolving deletes the message (live,
//! as a sequenced deletion), removes its author, or dismisses, closes every report on it, and
//! every step is in the moderation log.

use banter::ids::Seq;
use banter::protocol::ServerFrame;

use crate::support::{TestServer, header};

/// File a report as the account behind `cookie`: the redirect's location.
async fn report(server: &TestServer, cookie: &str, room: &str, seq: Seq, reason: &str, note: &str) -> String {
    let form = format!("room={room}&seq={seq}&reason={reason}&note={note}");
    let answer = server.post_form("/api/report_message", Some(cookie), &form).await;
    header(&answer, "location")
        .map(str::to_owned)
        .unwrap_or_else(|| answer.lines().next().unwrap_or("").to_owned())
}

/// Resolve report `id` with `action` as the account behind `cookie`: the response.
async fn resolve(server: &TestServer, cookie: &str, id: &str, action: &str) -> String {
    server.post_form("/api/resolve_report", Some(cookie), &format!("id={id}&action={action}")).await
}

/// The ids of the reports the queue shows the account behind `cookie`.
async fn queue(server: &TestServer, cookie: &str) -> Vec<String> {
    let page = server.get_as(cookie, "/reports").await;
    assert!(page.contains("HTTP/1.1 200"), "{page}");
    page.split("data-report=\"").skip(1).map(|rest| rest.split('"').next().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_report_reaches_the_rooms_moderators_alone_and_resolving_it_is_logged() {
    let server = TestServer::start().await;
    let (owner, ann, bob, eve) = (
        server.cookie("owner").await,
        server.cookie("ann").await,
        server.cookie("bob").await,
        server.cookie("eve").await,
    );
    let room = server.private_room(&owner, "team", &["ann", "bob"]).await;
    let mut ann_socket = server.join_room("ann", &room).await;
    let rude = ann_socket.say(&room, "r1", "something rude").await;
    let spam = ann_socket.say(&room, "r2", "buy my stuff").await;

    // Someone outside the room cannot even see the form; nor report through the call.
    let form = server.get_as(&eve, &format!("/r/{room}/report/{rude}")).await;
    assert!(form.contains("There is no message here that you can report"), "{form}");
    let outsider =
        server.call("/api/report_message", &eve, &format!("room={room}&seq={rude}&reason=spam")).await;
    assert!(outsider.starts_with("HTTP/1.1 404"), "{outsider}");
    // Nobody reports their own message; a reason must be one of the list.
    assert_eq!(
        report(&server, &ann, &room, rude, "spam", "").await,
        format!("/r/{room}/report/{rude}?error=not-allowed")
    );
    assert_eq!(
        report(&server, &bob, &room, rude, "boring", "").await,
        format!("/r/{room}/report/{rude}?error=invalid-report")
    );
    let page = server.get_as(&bob, &format!("/r/{room}/report/{rude}")).await;
    assert!(
        page.contains("something rude")
            && page.contains("Harassment or hate")
            && !page.contains(r#"type="module""#)
    );
    assert_eq!(
        report(&server, &bob, &room, rude, "harassment", "said+to+me").await,
        format!("/r/{room}/report/{rude}?sent")
    );
    assert_eq!(report(&server, &bob, &room, spam, "spam", "").await, format!("/r/{room}/report/{spam}?sent"));
    // Filing again while it is open changes nothing.
    assert_eq!(report(&server, &bob, &room, spam, "spam", "").await, format!("/r/{room}/report/{spam}?sent"));

    // The room's creator sees both; the members (the reported author included) see none.
    let open = queue(&server, &owner).await;
    assert_eq!(open.len(), 2, "{open:?}");
    assert!(queue(&server, &ann).await.is_empty() && queue(&server, &bob).await.is_empty());
    let not_theirs =
        server.call("/api/resolve_report", &bob, &format!("id={}&action=dismiss", open[0])).await;
    assert!(not_theirs.starts_with("HTTP/1.1 404"), "{not_theirs}");
    let reports_page = server.get_as(&owner, "/reports").await;
    assert!(
        reports_page.contains("said to me")
            && reports_page.contains("@bob")
            && reports_page.contains("#team"),
        "{reports_page}"
    );

    // Deleting: gone for everyone, live; the report closes.
    let mut bob_socket = server.join_room("bob", &room).await;
    let deleted = resolve(&server, &owner, &open[0], "delete").await;
    assert_eq!(header(&deleted, "location"), Some("/reports"), "{deleted}");
    let (frame, _) = bob_socket.until(|f| matches!(f, ServerFrame::Deleted { .. })).await;
    assert!(matches!(frame, ServerFrame::Deleted { target, .. } if target == rude), "{frame:?}");
    assert_eq!(queue(&server, &owner).await, vec![open[1].clone()]);
    // Dismissing the other.
    assert_eq!(header(&resolve(&server, &owner, &open[1], "dismiss").await, "location"), Some("/reports"));
    assert!(queue(&server, &owner).await.is_empty());
    let log = server.get_as(&owner, &format!("/r/{room}/moderation")).await;
    for line in ["reported", "deleted", "dismissed the reports on"] {
        assert!(log.contains(line), "{line}: {log}");
    }

    // Removing the author: out of the room, their socket told.
    let again = ann_socket.say(&room, "r3", "more rudeness").await;
    report(&server, &bob, &room, again, "harassment", "").await;
    let open = queue(&server, &owner).await;
    assert_eq!(header(&resolve(&server, &owner, &open[0], "remove").await, "location"), Some("/reports"));
    let page = server.get_as(&ann, &format!("/r/{room}")).await;
    assert!(
        page.starts_with("HTTP/1.1 404"),
        "ann is out of the room: {}",
        page.lines().next().unwrap_or("")
    );

    // A creator who left the room sees and acts on none of its reports.
    let mut owner_socket = server.join_room("owner", &room).await;
    let parting = owner_socket.say(&room, "o1", "leaving now").await;
    assert_eq!(
        report(&server, &bob, &room, parting, "other", "").await,
        format!("/r/{room}/report/{parting}?sent")
    );
    let open = queue(&server, &owner).await;
    assert_eq!(open.len(), 1, "{open:?}");
    let left =
        server.post_form("/api/remove_member", Some(&owner), &format!("room={room}&username=owner")).await;
    assert_eq!(header(&left, "location"), Some("/rooms"), "{left}");
    assert!(queue(&server, &owner).await.is_empty(), "no longer in the room");
    let not_theirs =
        server.call("/api/resolve_report", &owner, &format!("id={}&action=dismiss", open[0])).await;
    assert!(not_theirs.starts_with("HTTP/1.1 404"), "{not_theirs}");
}

#[tokio::test]
async fn a_conversations_reports_go_to_the_administrators() {
    let server = TestServer::start_with(|config| config.admins = vec!["root".into()]).await;
    let (root, ann, bob) =
        (server.cookie("root").await, server.cookie("ann").await, server.cookie("bob").await);
    let dm = server.conversation(&ann, "bob").await;
    let mut ann_socket = server.join_room("ann", &dm).await;
    let nasty = ann_socket.say(&dm, "d1", "a nasty thing").await;
    assert_eq!(
        report(&server, &bob, &dm, nasty, "harassment", "").await,
        format!("/r/{dm}/report/{nasty}?sent")
    );
    // Neither of the two sees it (the one who opened the conversation moderates nothing).
    assert!(queue(&server, &ann).await.is_empty() && queue(&server, &bob).await.is_empty());
    let open = queue(&server, &root).await;
    assert_eq!(open.len(), 1);
    let page = server.get_as(&root, "/reports").await;
    assert!(page.contains("a conversation") && !page.contains("Remove the author"), "{page}");
    assert_eq!(header(&resolve(&server, &root, &open[0], "delete").await, "location"), Some("/reports"));
    assert!(queue(&server, &root).await.is_empty());
}
