//! Bot accounts: made on their owner's profile, signed in with a token (`Authorization:
//! Bearer`) on the bot API, the other endpoints and the WebSocket, never with a password;
//! marked as bots wherever their name shows; rotating or revoking a token ends it at once.

use banter::api::BotsList;
use banter::api::ChatPage;
use banter::ids::{Seq, Username};
use banter::model::BotToken;
use banter::protocol::{CLOSE_SIGNED_OUT, ClientFrame, ServerFrame};

use crate::support::{Client, TestServer, json_body};

/// A request to the bot API with `token`; the whole answer.
pub(crate) async fn api(
    server: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    json: Option<&str>,
) -> String {
    let body = json.unwrap_or_default();
    server
        .http(&format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{body}",
            host = server.addr,
            len = body.len()
        ))
        .await
}

/// The JSON body of an answer, as a value.
fn json(answer: &str) -> serde_json::Value {
    json_body(answer)
}

/// The bot `username` of the account behind `owner`, made on their profile: its token.
pub async fn bot(server: &TestServer, owner: &str, username: &str) -> String {
    let made = server.call("/api/create_bot", owner, &format!("username={username}&name=Builds")).await;
    assert!(made.starts_with("HTTP/1.1 200"), "{made}");
    let token: BotToken = json_body(&made);
    assert_eq!(token.username, username);
    token.token
}

#[tokio::test]
async fn a_bot_posts_and_reads_with_its_token_and_is_marked_as_a_bot() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let token = bot(&server, &ann, "ci-bot").await;
    let room = server.private_room(&ann, "builds", &["ci-bot"]).await;
    let mut anns = server.join_room("ann", &room).await;
    let used = async || {
        let list: BotsList = json_body(&server.call("/api/my_bots", &ann, "").await);
        list.bots
            .iter()
            .map(|b| (b.username.clone(), b.has_token, b.last_used_at.is_some()))
            .collect::<Vec<_>>()
    };
    assert_eq!(used().await, [(Username::from("ci-bot"), true, false)], "not used yet");

    let rooms = json(&api(&server, "GET", "/api/v1/rooms", &token, None).await);
    assert_eq!(used().await, [(Username::from("ci-bot"), true, true)], "used now");
    let names: Vec<&str> =
        rooms.as_array().expect("a list").iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, [room.as_str()], "only the room it was invited to");

    let path = format!("/api/v1/rooms/{room}/messages");
    let post = r#"{"client_id":"build-41","body":"build **41** passed"}"#;
    let posted = api(&server, "POST", &path, &token, Some(post)).await;
    assert!(posted.starts_with("HTTP/1.1 201"), "{posted}");
    let seq = Seq(json(&posted)["seq"].as_i64().expect("a seq"));
    // A retry is stored once.
    assert_eq!(json(&api(&server, "POST", &path, &token, Some(post)).await)["seq"].as_i64(), Some(seq.0));
    let (frame, _) = anns.until(|f| matches!(f, ServerFrame::Message(m) if m.seq == seq)).await;
    let ServerFrame::Message(heard) = frame else { unreachable!() };
    assert!(heard.bot && heard.username == "ci-bot", "{heard:?}");
    assert!(heard.html.contains("<strong>41</strong>"), "Markdown, as anyone's");

    let read = json(&api(&server, "GET", &format!("{path}?after=0"), &token, None).await);
    let bodies: Vec<&str> =
        read["messages"].as_array().expect("messages").iter().filter_map(|m| m["body"].as_str()).collect();
    assert_eq!(bodies, ["build **41** passed"]);
    assert_eq!(read["latest_seq"].as_i64(), Some(seq.0));
    assert_eq!(read["messages"][0]["bot"], true);

    // Its page and its member list say it is a bot.
    let page: ChatPage = json_body(&server.call("/api/load_chat", &ann, &format!("room={room}")).await);
    let members = page.info.expect("ann's room").members;
    assert!(members.iter().any(|m| m.username == "ci-bot" && m.bot));
    assert!(members.iter().any(|m| m.username == "ann" && !m.bot));
    assert!(page.history.messages.iter().any(|m| m.seq == seq && m.bot));
}

#[tokio::test]
async fn the_bot_api_refuses_with_the_usual_errors_and_a_bot_has_no_password() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let token = bot(&server, &ann, "ci-bot").await;
    let club = server.private_room(&ann, "club", &[]).await;

    let cases = [
        ("GET", "/api/v1/rooms".to_owned(), "not-a-token", None, 401, "signed_out"),
        ("GET", format!("/api/v1/rooms/{club}/messages"), token.as_str(), None, 404, "not_found"),
        ("GET", "/api/v1/rooms/no-such-room/messages".into(), &token, None, 404, "not_found"),
        ("GET", "/api/v1/rooms/general/messages?limit=5000".into(), &token, None, 400, "invalid_field"),
        ("GET", "/api/v1/rooms/general/messages?after=x".into(), &token, None, 400, "invalid_field"),
        (
            "POST",
            format!("/api/v1/rooms/{club}/messages"),
            &token,
            Some(r#"{"client_id":"a","body":"hi"}"#),
            404,
            "not_found",
        ),
        ("POST", "/api/v1/rooms/general/messages".into(), &token, Some("{not json"), 400, "invalid_field"),
        (
            "POST",
            "/api/v1/rooms/general/messages".into(),
            &token,
            Some(r#"{"body":"no id"}"#),
            400,
            "invalid_field",
        ),
        // Readable (a public room), not joined: it may not post there.
        (
            "POST",
            "/api/v1/rooms/general/messages".into(),
            &token,
            Some(r#"{"client_id":"b","body":"hi"}"#),
            403,
            "not_member",
        ),
    ];
    for (method, path, token, body, status, code) in cases {
        let answer = api(&server, method, &path, token, body).await;
        assert!(answer.starts_with(&format!("HTTP/1.1 {status}")), "{method} {path}: {answer}");
        assert_eq!(json(&answer)["code"], code, "{method} {path}");
    }
    // Joined, it may.
    let joined = server.http(&format!(
        "POST /api/join_room HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 12\r\nConnection: close\r\n\r\nroom=general",
        server.addr
    ))
    .await;
    assert!(!joined.starts_with("HTTP/1.1 4"), "{joined}");
    let posted = api(
        &server,
        "POST",
        "/api/v1/rooms/general/messages",
        &token,
        Some(r#"{"client_id":"c","body":"hi"}"#),
    )
    .await;
    assert!(posted.starts_with("HTTP/1.1 201"), "{posted}");

    // No password opens a bot; a bot makes no rooms; a person's session is no bearer token.
    let signin = server.post_form("/api/sign_in", None, "username=ci-bot&password=%21").await;
    assert!(signin.contains("wrong-password"), "{signin}");
    let made = server.http(&format!(
        "POST /api/create_room HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\nConnection: close\r\n\r\nname=mine",
        server.addr
    ))
    .await;
    assert!(made.starts_with("HTTP/1.1 403"), "{made}");
    let person = ann.split_once('=').map(|(_, value)| value).unwrap_or_default();
    let as_person = api(&server, "GET", "/api/v1/rooms", person, None).await;
    assert!(as_person.starts_with("HTTP/1.1 401"), "{as_person}");

    // The description of it all.
    let document = json(&server.get("/api/v1/openapi.json").await);
    assert!(document["paths"]["/api/v1/rooms/{room}/messages"]["post"].is_object(), "{document}");
}

#[tokio::test]
async fn rotating_or_revoking_a_token_ends_it_and_the_bots_sockets_at_once() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let first = bot(&server, &ann, "ci-bot").await;
    let room = server.private_room(&ann, "builds", &["ci-bot"]).await;
    let mut socket = Client::connect_bot(&server.ws_url(), &first).await;
    socket.send(&ClientFrame::Hello { room: room.clone().into(), after: None }).await;
    socket.until(|f| matches!(f, ServerFrame::Welcome { .. })).await;

    // Only its owner may touch it: to anyone else it does not exist.
    let others = server.call("/api/rotate_bot_token", &bob, "username=ci-bot").await;
    assert!(others.starts_with("HTTP/1.1 404"), "{others}");
    let list: BotsList = json_body(&server.call("/api/my_bots", &bob, "").await);
    assert!(list.bots.is_empty());

    let rotated = server.call("/api/rotate_bot_token", &ann, "username=ci-bot").await;
    let second: BotToken = json_body(&rotated);
    assert_eq!(socket.close_code().await, CLOSE_SIGNED_OUT);
    assert!(api(&server, "GET", "/api/v1/rooms", &first, None).await.starts_with("HTTP/1.1 401"));
    assert!(api(&server, "GET", "/api/v1/rooms", &second.token, None).await.starts_with("HTTP/1.1 200"));

    let mut socket = Client::connect_bot(&server.ws_url(), &second.token).await;
    socket.send(&ClientFrame::Hello { room: room.clone().into(), after: None }).await;
    socket.until(|f| matches!(f, ServerFrame::Welcome { .. })).await;
    let revoked = server.call("/api/revoke_bot_token", &ann, "username=ci-bot").await;
    assert!(revoked.starts_with("HTTP/1.1 200"), "{revoked}");
    assert_eq!(socket.close_code().await, CLOSE_SIGNED_OUT);
    assert!(api(&server, "GET", "/api/v1/rooms", &second.token, None).await.starts_with("HTTP/1.1 401"));
    let list: BotsList = json_body(&server.call("/api/my_bots", &ann, "").await);
    assert_eq!(
        list.bots.iter().map(|b| (b.username.as_str(), b.has_token)).collect::<Vec<_>>(),
        [("ci-bot", false)]
    );
}

#[tokio::test]
async fn without_javascript_a_new_token_crosses_to_the_profile_once_in_a_cookie() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let made = server.post_form("/api/create_bot", Some(&ann), "username=ci-bot&name=Builds").await;
    assert!(made.starts_with("HTTP/1.1 302"), "{made}");
    assert_eq!(crate::support::header(&made, "location"), Some("/profile"));
    let set = made
        .lines()
        .find(|line| line.to_ascii_lowercase().starts_with("set-cookie: banter_new_bot_token="))
        .unwrap_or_else(|| panic!("the token crosses in a cookie: {made}"));
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Max-Age=300"),
        "{set}"
    );
    let pair = set.split_once(": ").map(|(_, v)| v).unwrap_or_default().split(';').next().unwrap_or_default();
    let token = pair.rsplit(':').next().unwrap_or_default().to_owned();

    // The profile shows it, and clears the cookie as it does.
    let cookies = format!("{ann}; {pair}");
    let read = server.call("/api/my_bots", &cookies, "").await;
    let list: BotsList = json_body(&read);
    assert_eq!(
        list.new_token.map(|t| (t.username, t.token)),
        Some((Username::from("ci-bot"), token.clone()))
    );
    assert!(read.contains("banter_new_bot_token=; Path=/; Max-Age=0"), "{read}");
    // Nobody else's profile shows it, even with the cookie.
    let bob = server.cookie("bob").await;
    let list: BotsList = json_body(&server.call("/api/my_bots", &format!("{bob}; {pair}"), "").await);
    assert_eq!(list.new_token, None);
    // It works.
    assert!(api(&server, "GET", "/api/v1/rooms", &token, None).await.starts_with("HTTP/1.1 200"));
    // A name taken goes back to the form with the reason.
    let again = server.post_form("/api/create_bot", Some(&ann), "username=ci-bot&name=Builds").await;
    assert_eq!(
        crate::support::header(&again, "location"),
        Some("/profile?error=username-taken&in=bots#bots")
    );
}

#[tokio::test]
async fn a_bot_has_its_own_allowance_apart_from_its_owners() {
    let server = TestServer::start_with(|c| {
        // A person's allowance stays the default (bursts of 20): the bot's is its own.
        c.bot_burst = 2;
        c.bot_rate = 0.001;
    })
    .await;
    let ann = server.cookie("ann").await;
    let token = bot(&server, &ann, "ci-bot").await;
    let room = server.private_room(&ann, "builds", &["ci-bot"]).await;
    let path = format!("/api/v1/rooms/{room}/messages");
    for n in 0..2 {
        let post = format!(r#"{{"client_id":"b{n}","body":"build {n}"}}"#);
        let posted = api(&server, "POST", &path, &token, Some(&post)).await;
        assert!(posted.starts_with("HTTP/1.1 201"), "{posted}");
    }
    let over = api(&server, "POST", &path, &token, Some(r#"{"client_id":"b2","body":"one more"}"#)).await;
    assert!(over.starts_with("HTTP/1.1 429"), "{over}");
    assert_eq!(json(&over)["code"], "rate_limited");
    // Its owner goes by a person's allowance, untouched by what the bot spent.
    let mut anns = server.join_room("ann", &room).await;
    anns.say(&room, "a1", "still mine").await;
    anns.say(&room, "a2", "and this").await;
}
