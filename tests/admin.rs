//! `banter admin`: an operator's acts, against the database of a server that is running.

use banter::protocol::{CLOSE_SIGNED_OUT, ClientFrame, ErrorCode, ServerFrame};
use banter::server::Config;
use banter::server::config::AdminCommand;
use banter::server::operators::admin;

use crate::support::{Client, TestServer, form_value, header};

/// The token of a printed reset link.
fn token_of(printed: &str, base: &str) -> String {
    let link =
        printed.lines().find(|line| line.starts_with(base)).unwrap_or_else(|| panic!("a link: {printed}"));
    link.strip_prefix(&format!("{base}/reset?token=")).expect("the reset page's address").to_owned()
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_signs_every_device_out() {
    let server = TestServer::start().await;
    let old_cookie = server.cookie("ann").await;
    let mut open_page = server.join("ann").await;
    let store = server.store().await;
    let base = "https://chat.example";
    let token = token_of(&admin::reset_link(&store, "Ann", base).await.expect("a link"), base);
    assert!(admin::reset_link(&store, "nobody", base).await.is_err());

    // The page it leads to is a plain form, the server's alone.
    let page = server.get(&format!("/reset?token={token}")).await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains(r#"id="reset-form""#) && page.contains(&token), "{page}");
    assert!(!page.contains("modulepreload"), "no bundle: {page}");

    let reset = |password: &str| format!("token={token}&password={}", form_value(password));
    let short = server.post_form("/api/reset_password", None, &reset("short")).await;
    assert!(
        header(&short, "location").is_some_and(|l| l.starts_with("/reset?error=invalid-password")),
        "{short}"
    );
    let done = server.post_form("/api/reset_password", None, &reset("a new long secret")).await;
    assert_eq!(header(&done, "location"), Some("/"), "{done}");
    assert!(
        header(&done, "set-cookie").is_some_and(|c| c.starts_with("banter_session=")),
        "signed in: {done}"
    );
    assert_eq!(open_page.close_code().await, CLOSE_SIGNED_OUT, "every device signed out");
    let page = server.get_as(&old_cookie, "/").await;
    assert!(page.starts_with("HTTP/1.1 302"), "the old session is over: {page}");

    let signed_in = server.post_form("/api/sign_in", None, "username=ann&password=a+new+long+secret").await;
    assert_eq!(header(&signed_in, "location"), Some("/"), "{signed_in}");
    let again = server.post_form("/api/reset_password", None, &reset("yet another secret")).await;
    assert!(
        header(&again, "location").is_some_and(|l| l.contains("error=invalid-reset-link")),
        "once: {again}"
    );
    let script = server.call("/api/reset_password", "", "token=0123&password=whatever+it+is").await;
    assert!(script.starts_with("HTTP/1.1 404") && script.contains(r#""code":"not_found""#), "{script}");
}

#[tokio::test]
async fn status_lists_and_a_new_account_that_sets_its_own_password() {
    let server = TestServer::start().await;
    let mut ann = server.join("ann").await;
    ann.say("general", "m1", "hello").await;
    let store = server.store().await;

    let status = admin::status(&store).await.expect("status");
    let schema: i64 =
        status.lines().next().and_then(|l| l.strip_prefix("schema ")?.parse().ok()).expect("a schema");
    assert!(schema >= 14, "the latest migrations applied: {status}");
    assert!(status.contains("people 1\n") && status.contains("messages 1\n"), "{status}");
    let users = admin::users(&store).await.expect("users");
    assert!(users.lines().any(|line| line.starts_with("ann\tann\tperson\t1\t")), "{users}");
    let rooms = admin::rooms(&store).await.expect("rooms");
    assert!(rooms.lines().any(|line| line.starts_with("general\tpublic\t1\t1")), "{rooms}");

    let base = "http://127.0.0.1:1";
    let made = admin::create_user(&store, "Carol", Some("Carol C."), base).await.expect("made");
    assert!(admin::create_user(&store, "carol", None, base).await.is_err(), "taken");
    let token = token_of(&made, base);
    let form = format!("token={token}&password={}", form_value("carol's own secret"));
    let done = server.post_form("/api/reset_password", None, &form).await;
    assert_eq!(header(&done, "location"), Some("/"), "{done}");
    let signed_in = server
        .post_form(
            "/api/sign_in",
            None,
            &format!("username=carol&password={}", form_value("carol's own secret")),
        )
        .await;
    assert_eq!(header(&signed_in, "location"), Some("/"), "{signed_in}");
}

#[tokio::test]
async fn an_administrator_is_granted_and_revoked_while_the_server_runs() {
    let server = TestServer::start().await;
    let mut ann = server.join("ann").await;
    let mut bob = server.join("bob").await;
    let seq = ann.say("general", "a1", "spam").await;
    let store = server.store().await;
    let delete = |id: &str| ClientFrame::Delete { room: "general".into(), client_id: id.into(), seq };
    assert_eq!(bob.change(delete("d1")).await, Err(ErrorCode::NotYours));
    admin::set_admin(&store, "bob", true).await.expect("granted");
    admin::set_admin(&store, "Bob", false).await.expect("revoked");
    assert_eq!(bob.change(delete("d2")).await, Err(ErrorCode::NotYours), "revoked at once, same socket");
    admin::set_admin(&store, "bob", true).await.expect("granted");
    assert!(bob.change(delete("d3")).await.is_ok(), "an administrator moderates every room");
    let users = admin::users(&store).await.expect("users");
    assert!(users.lines().any(|line| line.starts_with("bob\tbob\tadmin\t")), "{users}");
    assert!(admin::set_admin(&store, "nobody", true).await.is_err());
}

#[tokio::test]
async fn a_deactivated_account_is_signed_out_everywhere_at_once_and_signs_in_again_once_reactivated() {
    let server = TestServer::start().await;
    let signed_up = server.post_form("/api/sign_up", None, "username=dee&password=dees+own+secret").await;
    let cookie =
        header(&signed_up, "set-cookie").and_then(|c| c.split(';').next()).expect("a session").to_owned();
    let mut dee = Client::connect(&server.ws_url(), &cookie).await;
    dee.send(&ClientFrame::Hello { room: "general".into(), after: None }).await;
    let seq = dee.say("general", "m1", "leaving soon").await;
    let store = server.store().await;

    let token = crate::bots::bot(&server, &cookie, "dees-bot").await;
    let mut dees_bot = Client::connect_bot(&server.ws_url(), &token).await;
    dees_bot.send(&ClientFrame::Hello { room: "general".into(), after: None }).await;
    dees_bot.round_trip().await;

    admin::set_deactivated(&store, "dee", true).await.expect("deactivated");
    assert_eq!(dee.close_code().await, CLOSE_SIGNED_OUT, "the open socket closes");
    assert_eq!(dees_bot.close_code().await, CLOSE_SIGNED_OUT, "their bot's too");
    let bots_call = crate::bots::api(&server, "GET", "/api/v1/rooms", &token, None).await;
    assert!(bots_call.starts_with("HTTP/1.1 401"), "their bot's token is refused: {bots_call}");
    let page = server.get_as(&cookie, "/").await;
    assert!(page.starts_with("HTTP/1.1 302"), "the session is over: {page}");
    let sign_in = "username=dee&password=dees+own+secret";
    let refused = server.post_form("/api/sign_in", None, sign_in).await;
    assert!(header(&refused, "location").is_some_and(|l| l.contains("error=wrong-password")), "{refused}");
    let mut reader = server.join_after("ann", Some(seq - 1)).await;
    let kept = reader.round_trip().await;
    assert!(
        kept.iter().any(
            |f| matches!(f, ServerFrame::Messages { messages, .. } if messages.iter().any(|m| m.seq == seq))
        ),
        "messages stay"
    );

    admin::set_deactivated(&store, "dee", false).await.expect("reactivated");
    let again = server.post_form("/api/sign_in", None, sign_in).await;
    assert_eq!(header(&again, "location"), Some("/"), "{again}");
    let bots_call = crate::bots::api(&server, "GET", "/api/v1/rooms", &token, None).await;
    assert!(bots_call.starts_with("HTTP/1.1 200"), "the same token works again: {bots_call}");
}

#[tokio::test]
async fn every_act_on_an_account_is_logged_with_who_did_it() {
    let server = TestServer::start().await;
    server.cookie("bob").await;
    let config = Config::with_database(server.database.clone());
    let run = async |command: AdminCommand| admin::run(&config, &command).await;
    run(AdminCommand::GrantAdmin { username: "Bob".into() }).await.expect("granted");
    run(AdminCommand::Deactivate { username: "bob".into() }).await.expect("deactivated");
    run(AdminCommand::Users).await.expect("listed");
    assert!(run(AdminCommand::Reactivate { username: "nobody".into() }).await.is_err());

    let log = run(AdminCommand::Log { limit: 10 }).await.expect("the log");
    let acts: Vec<&str> = log.lines().map(|line| line.rsplit("  ").next().unwrap_or(line)).collect();
    assert_eq!(
        acts,
        ["deactivate bob", "grant-admin bob"],
        "newest first, reads and failures not kept: {log}"
    );
    let who =
        std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into());
    assert!(log.lines().all(|line| line.contains(&format!("  {who}  "))), "{log}");
    let newest = run(AdminCommand::Log { limit: 1 }).await.expect("the log");
    assert_eq!(newest.lines().count(), 1, "{newest}");
}
