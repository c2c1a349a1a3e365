//! Email against a real SMTP server of the test's own (aiosmtpd), read back as received: an
//! address is used only once its link is opened; "Forgot password?" mails a single-use link to
//! it and answers the same for strangers, within its throttles; a digest tells once of what
//! was left unread and unpushed, only about rooms the person is in, and its one-click link
//! turns digests off.

use banter::ids::Seq;
use banter::protocol::CLOSE_SIGNED_OUT;
use banter::server::Config;

use crate::push::{Device, allow_local_push, next, push_service};
use crate::support::mail_server::{Received, TestSmtp};
use crate::support::{TestServer, eventually, form_value, header};

/// Mail through `smtp`; digests due only after a day (a test makes them due by restarting).
fn mail_through(smtp: &TestSmtp) -> impl FnOnce(&mut Config) + '_ {
    |config| {
        config.smtp_url = Some(smtp.url.parse().expect("a URL"));
        config.mail_from = "Banter <chat@banter.test>".into();
        config.digest_delay_minutes = 24 * 60;
    }
}

/// The path (from `/`) of the first link in `letter` to this server.
fn link_path(server: &TestServer, letter: &Received, path: &str) -> String {
    let base = format!("http://{}", server.addr);
    let link = letter
        .links(&format!("{base}{path}"))
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("a {path} link: {}", letter.body()));
    link.strip_prefix(&base).expect("this server's").to_owned()
}

/// Give the account behind `cookie` the address `address`, verified by opening the link.
async fn verified(server: &TestServer, smtp: &TestSmtp, cookie: &str, address: &str) {
    let before = smtp.received_by(address).len();
    let asked =
        server.post_form("/api/set_email", Some(cookie), &format!("address={}", form_value(address))).await;
    assert_eq!(header(&asked, "location"), Some("/profile/email?saved=email-sent"), "{asked}");
    let letters = smtp.wait_for(address, before + 1).await;
    let opened = server.get(&link_path(server, &letters[before], "/verify-email")).await;
    assert_eq!(header(&opened, "location"), Some("/profile/email?saved=email"), "{opened}");
}

#[tokio::test]
async fn an_address_is_used_once_its_link_is_opened_and_only_its_owner_sees_it() {
    let smtp = TestSmtp::start().await;
    let server = TestServer::start_with(mail_through(&smtp)).await;
    let ann = server.cookie("ann").await;
    let bad = server.post_form("/api/set_email", Some(&ann), "address=not+an+address").await;
    assert_eq!(header(&bad, "location"), Some("/profile/email?error=invalid-email"), "{bad}");
    let script = server.call("/api/set_email", &ann, "address=ann%40localhost").await;
    assert!(script.starts_with("HTTP/1.1 400") && script.contains(r#""code":"invalid_field""#), "{script}");

    let asked = server.post_form("/api/set_email", Some(&ann), "address=Ann%40Example.com").await;
    assert_eq!(header(&asked, "location"), Some("/profile/email?saved=email-sent"), "{asked}");
    let letter = smtp.wait_for("ann@example.com", 1).await.remove(0);
    assert_eq!(letter.header("Subject").as_deref(), Some("Confirm your email address for Banter"));
    assert_eq!(letter.header("From").as_deref(), Some("Banter <chat@banter.test>"));
    let profile = server.get_as(&ann, "/profile/email").await;
    assert!(
        profile.contains("open the link sent to ann@example.com") && profile.contains("No address yet."),
        "{profile}"
    );

    // Not verified yet: a forgotten password mails nothing to it.
    let forgot = server.post_form("/api/forgot_password", None, "who=ann").await;
    assert_eq!(header(&forgot, "location"), Some("/forgot?sent"), "{forgot}");
    let verify = link_path(&server, &letter, "/verify-email");
    let opened = server.get(&verify).await;
    assert_eq!(header(&opened, "location"), Some("/profile/email?saved=email"), "{opened}");
    let again = server.get(&verify).await;
    assert_eq!(header(&again, "location"), Some("/profile/email?error=invalid-email-link"), "once: {again}");
    let profile = server.get_as(&ann, "/profile/email").await;
    assert!(profile.contains("Your address: ann@example.com"), "{profile}");
    let bob = server.cookie("bob").await;
    let others = server.get_as(&bob, "/profile/email").await;
    assert!(!others.contains("ann@example.com"), "nobody else sees it: {others}");
    let resets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM password_resets")
        .fetch_one(&server.sql().await)
        .await
        .expect("counted");
    assert_eq!(resets, 0, "the request before verification made no link");

    let removed = server.post_form("/api/remove_email", Some(&ann), "").await;
    assert_eq!(header(&removed, "location"), Some("/profile/email?saved"), "{removed}");
    let profile = server.get_as(&ann, "/profile/email").await;
    assert!(profile.contains("No address yet.") && !profile.contains("Your address:"), "{profile}");

    // Without SMTP there is no email at all, and the pages say so.
    let quiet = TestServer::start().await;
    let cookie = quiet.cookie("ann").await;
    let refused = quiet.post_form("/api/set_email", Some(&cookie), "address=ann%40example.com").await;
    assert_eq!(header(&refused, "location"), Some("/profile/email?error=mail-off"), "{refused}");
    let refused = quiet.post_form("/api/forgot_password", None, "who=ann").await;
    assert_eq!(header(&refused, "location"), Some("/forgot?error=mail-off"), "{refused}");
    let page = quiet.get_as(&cookie, "/profile/email").await;
    assert!(page.contains(r#"id="email-off""#) && !page.contains(r#"id="email-save""#), "{page}");
    assert!(!page.contains("modulepreload"), "the server's page alone: {page}");
    let profile = quiet.get_as(&cookie, "/profile").await;
    assert!(profile.contains(r#"href="/profile/email""#), "the profile leads there: {profile}");
}

#[tokio::test]
async fn a_forgotten_password_gets_a_single_use_link_and_strangers_get_the_same_answer() {
    let smtp = TestSmtp::start().await;
    let server = TestServer::start_with(mail_through(&smtp)).await;
    let signed_up = server.post_form("/api/sign_up", None, "username=dee&password=dees+old+secret").await;
    let cookie =
        header(&signed_up, "set-cookie").and_then(|c| c.split(';').next()).expect("a session").to_owned();
    verified(&server, &smtp, &cookie, "dee@example.com").await;
    let mut open_page = crate::support::Client::connect(&server.ws_url(), &cookie).await;
    open_page.send(&banter::protocol::ClientFrame::Hello { room: "general".into(), after: None }).await;
    open_page.round_trip().await;

    let page = server.get("/forgot").await;
    assert!(page.starts_with("HTTP/1.1 200") && page.contains(r#"id="forgot-form""#), "{page}");
    assert!(!page.contains("modulepreload"), "the server's page alone: {page}");
    let signin = server.get("/signin").await;
    assert!(signin.contains(r#"href="/forgot""#), "the sign-in page leads there: {signin}");

    for who in ["dee", "nobody-here", "DEE@example.com", "stranger@example.com"] {
        let answer =
            server.post_form("/api/forgot_password", None, &format!("who={}", form_value(who))).await;
        assert_eq!(header(&answer, "location"), Some("/forgot?sent"), "the same for {who}: {answer}");
    }
    let script = server.call("/api/forgot_password", "", "who=nobody-here").await;
    assert!(script.starts_with("HTTP/1.1 200"), "the same for a script: {script}");
    let letters = smtp.wait_for("dee@example.com", 3).await;
    let (first, second) = (&letters[1], &letters[2]);
    assert_eq!(first.header("Subject").as_deref(), Some("Set a new Banter password"));
    assert!(first.body().contains("@dee: "), "{}", first.body());
    let reset = link_path(&server, first, "/reset");
    let token = reset.strip_prefix("/reset?token=").expect("a token");
    assert_ne!(link_path(&server, second, "/reset"), reset, "each email its own link");

    let form = format!("token={token}&password={}", form_value("dees new secret"));
    let done = server.post_form("/api/reset_password", None, &form).await;
    assert_eq!(header(&done, "location"), Some("/"), "{done}");
    assert_eq!(open_page.close_code().await, CLOSE_SIGNED_OUT, "every other session ends");
    let old = server.get_as(&cookie, "/").await;
    assert!(old.starts_with("HTTP/1.1 302"), "the old session is over: {old}");
    let again = server.post_form("/api/reset_password", None, &form).await;
    assert!(
        header(&again, "location").is_some_and(|l| l.contains("error=invalid-reset-link")),
        "once: {again}"
    );

    // Per account: a third link, then nothing more for an hour, whoever asks; the answer
    // stays the same.
    let resets = async || -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM password_resets")
            .fetch_one(&server.sql().await)
            .await
            .expect("counted")
    };
    assert_eq!(resets().await, 2);
    for _ in 0..3 {
        let answer = server.post_form("/api/forgot_password", None, "who=dee").await;
        assert_eq!(header(&answer, "location"), Some("/forgot?sent"), "{answer}");
    }
    smtp.wait_for("dee@example.com", 4).await;
    assert_eq!(resets().await, 3, "three links per account an hour");
}

#[tokio::test]
async fn a_digest_tells_once_of_unread_unpushed_conversation_messages_and_mentions_in_ones_rooms() {
    let smtp = TestSmtp::start().await;
    let server = TestServer::start_with(|config| {
        mail_through(&smtp)(config);
        allow_local_push(config);
    })
    .await;
    let (ann, bob, carol) =
        (server.cookie("ann").await, server.cookie("bob").await, server.cookie("carol").await);
    verified(&server, &smtp, &ann, "ann@example.com").await;
    let with_bob = server.conversation(&bob, "ann").await;
    let with_carol = server.conversation(&carol, "ann").await;
    let secret = server.private_room(&carol, "plans", &["bob"]).await;

    let seq_of = async |body: &str| -> i64 {
        sqlx::query_scalar("SELECT seq FROM messages WHERE body = $1")
            .bind(body)
            .fetch_one(&server.sql().await)
            .await
            .expect("sent")
    };
    server.post_message(&bob, &with_bob, "d1", "first, already read").await;
    let first = seq_of("first, already read").await;
    let read = server.call("/api/mark_read", &ann, &format!("room={with_bob}&seq={first}")).await;
    assert!(read.starts_with("HTTP/1.1 200"), "{read}");
    server.post_message(&bob, &with_bob, "d2", "second, not read").await;
    let second = seq_of("second, not read").await;
    server.post_message(&bob, "general", "g1", "hello everyone").await;
    server.post_message(&bob, "general", "g2", "@ann look at this").await;
    server.post_message(&carol, &secret, "s1", "@ann secret plan").await;
    // Carol's message reaches Ann's phone: no email tells of it again.
    let (service, mut pushes) = push_service().await;
    let phone = Device::new("anns-phone").subscribe(&server, &ann, &service).await;
    server.post_message(&carol, &with_carol, "c1", "pushed hello").await;
    assert_eq!(next(&mut pushes).await.device, "anns-phone");
    eventually("the push is noted", async || {
        let marks: Option<i64> = sqlx::query_scalar(
            "SELECT d.seq FROM digest_marks d JOIN rooms r ON r.id = d.room_id WHERE r.name = $1",
        )
        .bind(&with_carol)
        .fetch_optional(&server.sql().await)
        .await
        .expect("read");
        marks == Some(1)
    })
    .await;

    // Due once the delay has passed: here, by restarting with none.
    let tune = |config: &mut Config| {
        mail_through(&smtp)(config);
        allow_local_push(config);
        config.digest_delay_minutes = 0;
        config.digest_check_seconds = 1;
    };
    let server = server.restart(tune).await;
    let base = format!("http://{}", server.addr);
    let digest = smtp.wait_for("ann@example.com", 2).await.remove(1);
    assert_eq!(digest.header("Subject").as_deref(), Some("2 unread messages on Banter"));
    let text = digest.body();
    assert!(text.contains(&format!("{base}/r/{with_bob}?at={second}#m-{second}")), "{text}");
    assert!(text.contains("#general\n  bob (mentions you): @ann look at this\n"), "{text}");
    assert!(text.contains("\nConversation with bob\n  bob: second, not read\n"), "{text}");
    for never in ["first, already read", "hello everyone", "secret plan", "pushed hello", "plans"] {
        assert!(!text.contains(never), "{never:?} is not in it: {text}");
    }
    let unsubscribe = digest.header("List-Unsubscribe").expect("one-click unsubscribe");
    assert_eq!(digest.header("List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));

    // Once: the next digest tells only of what came since (with the phone gone, it is not
    // pushed).
    let gone = server.call("/api/push_unsubscribe", &ann, &format!("endpoint={}", form_value(&phone))).await;
    assert!(gone.starts_with("HTTP/1.1 200"), "{gone}");
    server.post_message(&bob, &with_bob, "d3", "third").await;
    let digest = smtp.wait_for("ann@example.com", 3).await.remove(2);
    assert_eq!(digest.header("Subject").as_deref(), Some("1 unread message on Banter"));
    assert!(digest.body().contains("bob: third") && !digest.body().contains("second"), "{}", digest.body());

    // The link: a page with one button, and the address mail clients post to themselves.
    let path = unsubscribe.trim_matches(['<', '>']).strip_prefix(&base).expect("this server's").to_owned();
    let page = server.get(&path).await;
    assert!(page.starts_with("HTTP/1.1 200") && page.contains(r#"id="unsubscribe-form""#), "{page}");
    assert!(!page.contains("modulepreload"), "{page}");
    let forged = server.call("/unsubscribe?token=1.00ff", "", "List-Unsubscribe=One-Click").await;
    assert!(forged.starts_with("HTTP/1.1 404") && forged.contains(r#""code":"not_found""#), "{forged}");
    let done = server.call(&path, "", "List-Unsubscribe=One-Click").await;
    assert_eq!(header(&done, "location"), Some("/unsubscribe?done"), "{done}");
    let store = server.store().await;
    let ann_id = store.user_by_username("ann").await.expect("read").expect("ann").id;
    assert!(!store.email_state(ann_id).await.expect("read").digests, "digests are off");
    let profile = server.get_as(&ann, "/profile/email").await;
    let checkbox = profile.split(r#"id="email-digests""#).nth(1).and_then(|rest| rest.split('>').next());
    assert!(checkbox.is_some_and(|tag| !tag.contains("checked")), "the profile shows them off: {profile}");
}

#[tokio::test]
async fn a_message_is_due_once_the_delay_has_passed_and_is_claimed_by_one_node_once() {
    let server = TestServer::start().await;
    server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let store = server.store().await;
    let ann_id = store.user_by_username("ann").await.expect("read").expect("ann").id;
    let typo = store.start_verification(ann_id, "ann@exmaple.com").await.expect("a link");
    let token = store.start_verification(ann_id, "ann@example.com").await.expect("a link");
    assert_eq!(store.verify_email(&typo, 0).await.expect("read"), None, "only the newest link works");
    store.verify_email(&token, 0).await.expect("verified").expect("a live link");
    let room = server.conversation(&bob, "ann").await;
    server.post_message(&bob, &room, "d1", "are you there?").await;
    let sent: i64 = sqlx::query_scalar("SELECT created_at FROM messages WHERE body = 'are you there?'")
        .fetch_one(&server.sql().await)
        .await
        .expect("read");
    assert!(store.digests_due(sent - 1, 10).await.expect("read").is_empty(), "not yet");
    let due = store.digests_due(sent, 10).await.expect("read");
    assert_eq!(
        due.iter().map(|d| (d.user_id, d.seq, d.body.as_str())).collect::<Vec<_>>(),
        [(ann_id, Seq(1), "are you there?")]
    );
    // Of two nodes claiming the same digest, one does; a push noted meanwhile wins too.
    let room_id = due[0].room_id;
    assert_eq!(store.claim_digest(ann_id, &[(room_id, None, Seq(1))]).await.expect("claimed"), [room_id]);
    assert!(store.claim_digest(ann_id, &[(room_id, None, Seq(1))]).await.expect("read").is_empty());
    store.mark_told(ann_id, room_id, Seq(2)).await.expect("noted");
    assert!(store.claim_digest(ann_id, &[(room_id, Some(Seq(1)), Seq(3))]).await.expect("read").is_empty());
    assert!(store.digests_due(sent, 10).await.expect("read").is_empty(), "told once");
    store.set_email_digests(ann_id, false).await.expect("off");
    assert!(
        store.digests_due(sent, 10).await.expect("read").is_empty(),
        "not for someone who turned them off"
    );
}
