//! Exports, from outside: a person's archive holds their profile, their rooms and every
//! message they wrote there (edits, reactions, files) and nothing of rooms they left or were
//! never in, nor anyone else's messages; only they can download it. An administrator exports
//! one room; nobody else can, and nobody else downloads it.

use std::io::Read;

use banter::api::ExportLine;
use banter::protocol::ClientFrame;

use crate::support::{TestServer, eventually, header, json_body};

/// Ask for an export with `call` (`start_export`, or `export_room` with `form`) as `cookie`:
/// where the form goes next.
async fn ask(server: &TestServer, cookie: &str, call: &str, form: &str) -> String {
    let answer = server.post_form(&format!("/api/{call}"), Some(cookie), form).await;
    header(&answer, "location")
        .map(str::to_owned)
        .unwrap_or_else(|| answer.lines().next().unwrap_or("").to_owned())
}

async fn exports(server: &TestServer, cookie: &str) -> Vec<ExportLine> {
    json_body(&server.call("/api/load_exports", cookie, "").await)
}

/// Wait for the newest export of `cookie` to be made; its archive, downloaded.
async fn made(server: &TestServer, cookie: &str) -> (String, zip::ZipArchive<std::io::Cursor<Vec<u8>>>) {
    eventually("the export is made", async || {
        exports(server, cookie).await.first().is_some_and(|line| line.state == "done")
    })
    .await;
    let line = exports(server, cookie).await.remove(0);
    assert_eq!((line.done, line.percent()), (line.total, 100), "{line:?}");
    let path = format!("/exports/{}", line.id);
    let response = server.fetch(cookie, &path, "").await;
    assert_eq!(response.status, 200, "{}", response.head);
    assert_eq!(header(&response.head, "content-type"), Some("application/zip"));
    assert!(header(&response.head, "content-disposition").is_some_and(|d| d.starts_with("attachment")));
    (path, zip::ZipArchive::new(std::io::Cursor::new(response.body)).expect("a zip archive"))
}

fn text(archive: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str) -> String {
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap_or_else(|_| panic!("{name} is in the archive"))
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[tokio::test]
async fn a_persons_archive_holds_their_data_and_nothing_of_rooms_they_left_or_never_joined() {
    let server = TestServer::start().await;
    let (ann, bob, owner) =
        (server.cookie("ann").await, server.cookie("bob").await, server.cookie("owner").await);
    let mut ann_socket = server.join("ann").await;
    let upload = server.upload(&ann, "minutes.txt", b"the minutes of the meeting").await.json();
    ann_socket
        .send(&ClientFrame::Send {
            room: "general".into(),
            client_id: "a1".into(),
            body: "first draft".into(),
            attachments: vec![serde_json::from_value(upload["id"].clone()).expect("an id")],
            reply_to: None,
            thread: None,
            also_to_room: false,
        })
        .await;
    let mine = ann_socket.ack("a1").await;
    let edit = ClientFrame::Edit {
        room: "general".into(),
        client_id: "a2".into(),
        seq: mine,
        body: "final words".into(),
    };
    ann_socket.change(edit).await.expect("edited");
    let mut bob_socket = server.join("bob").await;
    bob_socket.say("general", "b1", "bob speaking").await;
    let react =
        ClientFrame::React {
            room: "general".into(), client_id: "b2".into(), seq: mine, emoji: "👍".into()
        };
    bob_socket.change(react).await.expect("reacted");
    // A room ann left, and one she was never in.
    let left = server.private_room(&owner, "left", &["ann"]).await;
    let mut in_left = server.join_room("ann", &left).await;
    in_left.say(&left, "l1", "said before leaving").await;
    let gone = server.post_form("/api/remove_member", Some(&ann), &format!("room={left}&username=ann")).await;
    assert!(header(&gone, "location").is_some(), "{gone}");
    let never = server.private_room(&bob, "never", &[]).await;
    server.join_room("bob", &never).await.say(&never, "n1", "never for ann").await;

    assert_eq!(ask(&server, &ann, "start_export", "").await, "/profile/export");
    let (path, mut archive) = made(&server, &ann).await;
    let profile: serde_json::Value = serde_json::from_str(&text(&mut archive, "profile.json")).unwrap();
    assert_eq!(profile["username"], "ann");
    let rooms: serde_json::Value = serde_json::from_str(&text(&mut archive, "rooms.json")).unwrap();
    let names: Vec<&str> = rooms.as_array().unwrap().iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, vec!["general"]);
    let messages: serde_json::Value = serde_json::from_str(&text(&mut archive, "messages.json")).unwrap();
    let messages = messages.as_array().unwrap();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert_eq!((message["body"].as_str(), message["seq"].as_i64()), (Some("final words"), Some(mine.0)));
    assert_eq!(message["edits"].as_array().map(Vec::len), Some(1));
    assert_eq!(message["reactions"][0]["emoji"], "👍");
    assert_eq!(message["reactions"][0]["users"][0], "bob");
    let file = message["files"][0]["path"].as_str().expect("the file's place").to_owned();
    assert_eq!(text(&mut archive, &file), "the minutes of the meeting");
    let names: Vec<String> = archive.file_names().map(|name| name.expect("a name").into_owned()).collect();
    let everything: String = names.iter().map(|name| text(&mut archive, name)).collect();
    for other in ["said before leaving", "never for ann", "bob speaking", "first draft", &left, &never] {
        assert!(!everything.contains(other), "{other:?} is in ann's archive");
    }

    // Nobody else downloads it, signed in or not; the page offers it to ann.
    assert_eq!(server.fetch(&bob, &path, "").await.status, 404);
    assert_eq!(server.fetch("", &path, "").await.status, 404);
    let page = server.get_as(&ann, "/profile/export").await;
    assert!(page.contains(&path) && !page.contains("export-progress.js"), "{page}");

    // Three a day.
    for _ in 0..2 {
        assert_eq!(ask(&server, &ann, "start_export", "").await, "/profile/export");
        made(&server, &ann).await;
    }
    assert_eq!(ask(&server, &ann, "start_export", "").await, "/profile/export?error=too-many-exports");
    let call = server.call("/api/start_export", &ann, "").await;
    assert!(call.starts_with("HTTP/1.1 429"), "{call}");
}

#[tokio::test]
async fn only_an_administrator_exports_a_room_and_only_they_download_it() {
    let server = TestServer::start_with(|config| config.admins = vec!["root".into()]).await;
    let (root, owner, _bob) =
        (server.cookie("root").await, server.cookie("owner").await, server.cookie("bob").await);
    let room = server.private_room(&owner, "team", &["bob"]).await;
    let mut owner_socket = server.join_room("owner", &room).await;
    owner_socket.say(&room, "o1", "the plan").await;
    server.join_room("bob", &room).await.say(&room, "b1", "sounds good").await;

    // Its creator is no administrator: to them there is no such call.
    let refused = server.call("/api/export_room", &owner, &format!("room={room}")).await;
    assert!(refused.starts_with("HTTP/1.1 404"), "{refused}");
    let conversation = server.conversation(&owner, "bob").await;
    assert_eq!(
        ask(&server, &root, "export_room", &format!("room={conversation}")).await,
        "/profile/export?error=not-allowed"
    );

    assert_eq!(ask(&server, &root, "export_room", &format!("room={room}")).await, "/profile/export");
    let (path, mut archive) = made(&server, &root).await;
    let about: serde_json::Value = serde_json::from_str(&text(&mut archive, "room.json")).unwrap();
    let mut members: Vec<&str> =
        about["members"].as_array().unwrap().iter().filter_map(|m| m["username"].as_str()).collect();
    members.sort_unstable();
    assert_eq!(members, vec!["bob", "owner"]);
    let messages: serde_json::Value = serde_json::from_str(&text(&mut archive, "messages.json")).unwrap();
    let bodies: Vec<&str> = messages.as_array().unwrap().iter().filter_map(|m| m["body"].as_str()).collect();
    assert_eq!(bodies, vec!["the plan", "sounds good"]);
    assert_eq!(server.fetch(&owner, &path, "").await.status, 404);
    assert!(exports(&server, &owner).await.is_empty());
}

#[tokio::test]
async fn an_export_under_way_shows_its_progress_a_stalled_one_fails_and_old_ones_go() {
    use banter::server::exports::records::{Asked, EXPORT_KEEP_DAYS, EXPORT_STALL_MS};

    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let store = server.store().await;
    let user = store.user_by_username("ann").await.unwrap().expect("ann's account");
    // Asked for, but no builder takes it (as when its node stops at once).
    let now = banter::model::now_ms();
    assert!(matches!(store.ask_export(user.id, None, now).await.unwrap(), Asked::Started(_)));
    let page = server.get_as(&ann, "/profile/export").await;
    assert!(page.contains("<progress") && page.contains("export-progress.js"), "{page}");
    assert_eq!(ask(&server, &ann, "start_export", "").await, "/profile/export?error=export-busy");

    // Stalled: failed, and another may be asked for.
    assert!(store.sweep_exports(now + EXPORT_STALL_MS + 1).await.unwrap().is_empty());
    let lines = exports(&server, &ann).await;
    assert_eq!(lines.iter().map(|l| l.state.as_str()).collect::<Vec<_>>(), vec!["failed"]);
    let page = server.get_as(&ann, "/profile/export").await;
    assert!(page.contains("Could not be made") && !page.contains("export-progress.js"), "{page}");
    assert_eq!(ask(&server, &ann, "start_export", "").await, "/profile/export");
    let (path, _) = made(&server, &ann).await;

    // A week on, both are gone, and so is the download.
    let week_on = now + (EXPORT_KEEP_DAYS * 24 + 1) * 60 * 60 * 1_000;
    let gone = store.sweep_exports(week_on).await.unwrap();
    assert_eq!(gone.len(), 2);
    assert!(exports(&server, &ann).await.is_empty());
    assert_eq!(server.fetch(&ann, &path, "").await.status, 404);
}
