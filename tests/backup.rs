//! Backups that restore: taken while messages stream in (every row of the copy from one
//! moment, each room's sequence gap-free), restored into a new place where a server serves the
//! same history and a client resumes without a gap, and refused when corrupted or too new.

use banter::api::ChatPage;
use banter::ids::Seq;
use banter::protocol::{ClientFrame, ServerFrame};
use banter::server::Config;
use banter::server::operators::backup::{Manifest, backup, restore};
use banter::server::storage::database::Database;
use sqlx::{Connection, Row};

use crate::support::{Client, FreshDatabase, TestServer, json_body};

/// The configuration of a server on `fresh` (SQLite, local attachments).
fn config_of(fresh: &FreshDatabase) -> Config {
    let mut config = Config::with_database(fresh.database.clone());
    fresh.storage().configure(&mut config);
    config
}

/// A SQLite file's messages of `#general`: how many, and its highest `seq` and `last_seq`.
async fn general(path: &std::path::Path) -> (i64, i64, i64) {
    let mut conn =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.expect("open");
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, COALESCE(MAX(m.seq), 0) AS top, r.last_seq
         FROM rooms r LEFT JOIN messages m ON m.room_id = r.id WHERE r.name = 'general' GROUP BY r.id",
    )
    .fetch_one(&mut conn)
    .await
    .expect("general");
    (row.get("n"), row.get("top"), row.get("last_seq"))
}

#[tokio::test]
async fn a_backup_taken_while_messages_stream_in_restores_to_the_same_history() {
    let fresh = FreshDatabase::sqlite();
    let server = TestServer::start_on(&fresh.database, fresh.storage(), |c| {
        c.rate = 1_000_000.0;
        c.burst = 1_000_000;
    })
    .await;
    let ann = server.cookie("ann").await;
    let mut anns = server.join("ann").await;
    let uploaded = server.upload(&ann, "notes.bin", &[7u8; 1_000]).await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text());
    let photo: banter::attachments::AttachmentId =
        serde_json::from_value(uploaded.json()["id"].clone()).expect("an id");
    anns.send(&ClientFrame::Send {
        room: "general".into(),
        client_id: "photo".into(),
        body: "the notes".into(),
        attachments: vec![photo.clone()],
        reply_to: None,
        thread: None,
        also_to_room: false,
    })
    .await;
    anns.ack("photo").await;

    // Messages keep coming while the backup is taken.
    let mut streaming = server.join("ann").await;
    let stream = tokio::spawn(async move {
        for n in 0..200 {
            streaming.say("general", &format!("s{n}"), &format!("streamed {n}")).await;
        }
        streaming
    });
    let target = tempfile::tempdir().expect("dir");
    let taken: Manifest = backup(&config_of(&fresh), &target.path().join("b")).await.expect("backup");
    stream.await.expect("the stream ran to its end");

    let (count, top, last) = general(&target.path().join("b/banter.db")).await;
    assert_eq!((count, top), (last, last), "one moment: every message up to the room's last, no gap");
    assert!(count >= 1 && taken.messages >= count);
    assert!(taken.files.iter().any(|f| f.path.starts_with("attachments/")), "the file came along");

    // Restored into a new place: the same history, and the attachment, served.
    let place = FreshDatabase::sqlite();
    let restored = restore(&config_of(&place), &target.path().join("b"), true).await.expect("restore");
    assert_eq!(restored, taken);
    let again = TestServer::start_on(&place.database, place.storage(), |_| {}).await;
    let page: ChatPage = json_body(&again.call("/api/load_chat", &ann, "room=general").await);
    let last_seq = page.history.messages.last().map(|m| m.seq).expect("history");
    assert_eq!(last_seq, Seq(last), "the same history, up to the moment of the backup");
    let with_photo = page.history.messages.iter().find(|m| m.client_id == "photo").map(|m| m.seq);
    // Ann's session was kept (`--keep-sessions`): her page resumes where it was.
    let mut resumed = Client::connect(&again.ws_url(), &ann).await;
    let after = Some(banter::protocol::ResumeFrom::Seq(last_seq - 1));
    resumed.send(&ClientFrame::Hello { room: "general".into(), after }).await;
    let (frame, _) = resumed.until(|f| matches!(f, ServerFrame::Messages { .. })).await;
    let ServerFrame::Messages { messages, .. } = frame else { unreachable!() };
    assert_eq!(messages.iter().map(|m| m.seq).collect::<Vec<_>>(), [last_seq], "resumes without a gap");
    let file = again.fetch(&ann, &format!("/files/{}/notes.bin", photo.as_str()), "").await;
    assert!(with_photo.is_some(), "the message with the file is there");
    assert_eq!(file.status, 200, "and so is the file");
}

#[tokio::test]
async fn a_corrupted_or_newer_backup_is_refused_and_nothing_is_overwritten() {
    let fresh = FreshDatabase::sqlite();
    let server = TestServer::start_on(&fresh.database, fresh.storage(), |_| {}).await;
    server.cookie("ann").await;
    let dir = tempfile::tempdir().expect("dir");
    let taken = backup(&config_of(&fresh), &dir.path().join("b")).await.expect("backup");
    assert!(backup(&config_of(&fresh), &dir.path().join("b")).await.is_err(), "not into a used directory");

    // Into the live server's own place: refused, it has a database.
    let over = restore(&config_of(&fresh), &dir.path().join("b"), false).await.expect_err("refused");
    assert!(over.to_string().contains("exists"), "{over}");

    // A flipped byte.
    let copy = dir.path().join("b/banter.db");
    let mut bytes = std::fs::read(&copy).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&copy, &bytes).expect("write");
    let place = FreshDatabase::sqlite();
    let corrupted = restore(&config_of(&place), &dir.path().join("b"), false).await.expect_err("refused");
    assert!(corrupted.to_string().contains("corrupted"), "{corrupted}");
    assert!(!place.database.sqlite_path().expect("sqlite").exists(), "nothing written");

    // A schema this binary does not know.
    let newer = Manifest { schema_version: taken.schema_version + 1_000_000, ..taken };
    std::fs::write(dir.path().join("b/manifest.json"), serde_json::to_vec(&newer).expect("json"))
        .expect("write");
    let refused = restore(&config_of(&place), &dir.path().join("b"), false).await.expect_err("refused");
    assert!(refused.to_string().contains("newer"), "{refused}");

    // PostgreSQL is pg_dump's.
    let postgres = Config::with_database(Database::Postgres("postgres://localhost/banter".into()));
    let told = backup(&postgres, &dir.path().join("pg")).await.expect_err("refused");
    assert!(told.to_string().contains("pg_dump"), "{told}");
}

#[tokio::test]
async fn a_restore_signs_people_out_unless_asked_and_keeps_bots_tokens() {
    let fresh = FreshDatabase::sqlite();
    let server = TestServer::start_on(&fresh.database, fresh.storage(), |_| {}).await;
    let ann = server.cookie("ann").await;
    let token = crate::bots::bot(&server, &ann, "ci-bot").await;
    let dir = tempfile::tempdir().expect("dir");
    backup(&config_of(&fresh), &dir.path().join("b")).await.expect("backup");

    let place = FreshDatabase::sqlite();
    restore(&config_of(&place), &dir.path().join("b"), false).await.expect("restore");
    let again = TestServer::start_on(&place.database, place.storage(), |_| {}).await;
    let page: ChatPage = json_body(&again.call("/api/load_chat", &ann, "room=general").await);
    assert!(page.me.is_none(), "ann signs in again");
    let rooms = again
        .http(&format!(
            "GET /api/v1/rooms HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n",
            again.addr
        ))
        .await;
    assert!(rooms.starts_with("HTTP/1.1 200"), "the bot's token still works: {rooms}");
}
