//! A person deleting their account, seen from outside: the password confirms it; every
//! session and socket of theirs ends at once; nobody signs in as them again and their
//! username stays theirs for a while; their messages stay under "Deleted user" — or, if they
//! ask, are deleted one by one as sequenced deletions that another person's open page sees.

use banter::protocol::{CLOSE_SIGNED_OUT, ServerFrame};

use crate::support::{Client, Event, TestServer, eventually, header, set_cookie};

#[tokio::test]
async fn a_deleted_account_signs_in_nowhere_and_its_messages_stay_as_a_deleted_user() {
    let server = TestServer::start().await;
    let ann = server.sign_up_known("ann").await;
    let bob = server.cookie("bob").await;
    let mut socket = Client::connect(&server.ws_url(), &ann).await;
    socket.send(&banter::protocol::ClientFrame::Hello { room: "general".into(), after: None }).await;
    socket.until(|f| matches!(f, ServerFrame::Welcome { .. })).await;
    socket.say("general", "a1", "ann was here").await;
    let other_device = format!(
        "banter_session={}",
        set_cookie(
            &server.post_form("/api/sign_in", None, "username=ann&password=correct+horse+battery").await,
            "banter_session"
        )
        .unwrap()
    );

    let page = server.get_as(&ann, "/profile/delete").await;
    assert!(page.contains("Delete your account") && !page.contains(r#"type="module""#), "{page}");
    let wrong = server.post_form("/api/delete_account", Some(&ann), "password=not+it").await;
    assert_eq!(header(&wrong, "location"), Some("/profile/delete?error=wrong-password"), "{wrong}");
    assert!(server.get_as(&ann, "/").await.contains("HTTP/1.1 200"), "still there");

    let deleted = server.post_form("/api/delete_account", Some(&ann), "password=correct+horse+battery").await;
    assert_eq!(header(&deleted, "location"), Some("/signin"), "{deleted}");
    // Its socket closes at once, as at a sign-out; no session of it opens a page.
    loop {
        match socket.event().await {
            Event::Closed(Some(frame)) => {
                assert_eq!(u16::from(frame.code), CLOSE_SIGNED_OUT);
                break;
            }
            Event::Closed(None) | Event::Ended => panic!("closed without a code"),
            Event::Frame(_) => {}
        }
    }
    for cookie in [&ann, &other_device] {
        assert_eq!(header(&server.get_as(cookie, "/").await, "location"), Some("/signin"));
    }
    let again = server.post_form("/api/sign_in", None, "username=ann&password=correct+horse+battery").await;
    assert_eq!(header(&again, "location"), Some("/signin?error=wrong-password&username=ann"), "{again}");
    // The name stays theirs for a while.
    let taken = server.post_form("/api/sign_up", None, "username=ann&password=correct+horse+battery").await;
    assert_eq!(header(&taken, "location"), Some("/signup?error=username-taken&username=ann"), "{taken}");
    // Their message stays, signed "Deleted user".
    let history = server.get_as(&bob, "/").await;
    assert!(history.contains("ann was here") && history.contains("Deleted user"), "{history}");
}

#[tokio::test]
async fn asked_to_its_messages_go_too_each_a_deletion_others_see() {
    let server = TestServer::start().await;
    let carl = server.sign_up_known("carl").await;
    let mut writer = Client::connect(&server.ws_url(), &carl).await;
    writer.send(&banter::protocol::ClientFrame::Hello { room: "general".into(), after: None }).await;
    writer.until(|f| matches!(f, ServerFrame::Welcome { .. })).await;
    let first = writer.say("general", "c1", "carl's first").await;
    let second = writer.say("general", "c2", "carl's second").await;
    let mut bob = server.join("bob").await;

    let deleted = server
        .post_form("/api/delete_account", Some(&carl), "password=correct+horse+battery&messages=on")
        .await;
    assert_eq!(header(&deleted, "location"), Some("/signin"), "{deleted}");
    let mut gone = Vec::new();
    while gone.len() < 2 {
        if let (ServerFrame::Deleted { target, .. }, _) =
            bob.until(|f| matches!(f, ServerFrame::Deleted { .. })).await
        {
            gone.push(target);
        }
    }
    gone.sort_unstable();
    assert_eq!(gone, vec![first, second]);
    let store = server.store().await;
    eventually("both are deleted in the history", async || {
        let page = store.page(banter::ids::RoomId(1), "general", None, 50).await.unwrap();
        page.messages.iter().filter(|m| m.seq == first || m.seq == second).all(|m| m.deleted)
    })
    .await;
}
