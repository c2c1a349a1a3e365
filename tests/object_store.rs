//! Attachments in an S3-compatible bucket (`--object-store-url`), against a real
//! `moto_server` each test starts: what is stored where, serving through the server (ranges,
//! revalidation, privacy), two nodes with nothing on disk in common, and the store going away.
//!
//! The rest of the attachment tests run on a bucket too in the PostgreSQL run of the suite
//! (`tests/support/object_store.rs`).

use banter::ids::Seq;
use banter::protocol::ClientFrame;
use banter::server::{self, Config};

use crate::support::object_store::{Storage, TestS3};
use crate::support::{Client, FreshDatabase, PATIENCE, TestServer, eventually, leptos_options};

/// A server on a fresh database keeping its files in a fresh bucket on `s3`.
async fn on_bucket(s3: &TestS3) -> (FreshDatabase, TestServer) {
    let fresh = FreshDatabase::new().await;
    let storage = Storage { dir: fresh.dir.path().join("node-a"), bucket: Some(s3.bucket().await) };
    let server = TestServer::start_on(&fresh.database, storage, |_| {}).await;
    (fresh, server)
}

fn sent_with(id: &serde_json::Value, client_id: &str) -> ClientFrame {
    ClientFrame::Send {
        room: "general".into(),
        client_id: client_id.into(),
        body: "see attached".into(),
        attachments: vec![serde_json::from_value(id.clone()).expect("an id")],
        reply_to: None,
        thread: None,
        also_to_room: false,
    }
}

#[tokio::test]
async fn kept_files_live_in_the_bucket_and_are_served_whole_in_ranges_and_revalidated() {
    let s3 = TestS3::start().await;
    let (_fresh, server) = on_bucket(&s3).await;
    let bucket = server.storage.bucket.clone().expect("a bucket");
    let alice = server.cookie("alice").await;

    let photo = crate::support::media_fixtures::sideways_photo();
    let upload = server.upload(&alice, "beach.jpg", &photo).await;
    assert_eq!(upload.status, 201, "{}", upload.text());
    let attachment = upload.json();
    let id = attachment["id"].as_str().expect("an id").to_owned();

    // The file and its thumbnail are in the bucket, under the names a directory would use;
    // nothing is left on this node's disk.
    let mut names = bucket.names().await;
    names.sort();
    assert_eq!(names, vec![id.clone(), format!("{id}.thumb")]);
    let on_disk = Storage { dir: server.storage.dir.clone(), bucket: None }.files().await;
    assert!(on_disk.is_empty(), "{on_disk:?}");

    // Served through the server, exactly what the bucket holds.
    let url = attachment["url"].as_str().expect("a url");
    let stored = bucket.get(&format!("{}/{id}", &id[..2])).await.expect("stored");
    let whole = server.fetch(&alice, url, "").await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body, stored);
    assert_eq!(whole.header("content-type"), Some("image/jpeg"));
    assert_eq!(whole.header("x-content-type-options"), Some("nosniff"));
    assert!(whole.header("content-security-policy").is_some_and(|c| c.contains("sandbox")));
    let thumb = server.fetch(&alice, &format!("/files/{id}/thumb"), "").await;
    assert_eq!(thumb.status, 200);
    image::load_from_memory(&thumb.body).expect("the thumbnail decodes");

    // A range, as a video player seeks.
    let part = server.fetch(&alice, url, "Range: bytes=10-19\r\n").await;
    assert_eq!(part.status, 206);
    assert_eq!(part.body, &stored[10..20]);
    assert!(part.header("content-range").is_some_and(|r| r.starts_with("bytes 10-19/")));

    // Revalidation: the validator comes back, and a match is answered without the bytes.
    let etag = whole.header("etag").expect("an ETag").to_owned();
    let again = server.fetch(&alice, url, &format!("If-None-Match: {etag}\r\n")).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());

    // Someone else still gets the 404 of nothing: the bucket changes nothing about who may see.
    let bob = server.cookie("bob").await;
    assert_eq!(server.fetch(&bob, url, "").await.status, 404);
}

#[tokio::test]
async fn two_nodes_with_no_disk_in_common_share_files_through_the_bucket() {
    let s3 = TestS3::start().await;
    let (fresh, first) = on_bucket(&s3).await;
    // Up (its schema in place) before the second node starts on its database.
    let alice = first.cookie("alice").await;
    let elsewhere = first.storage.with_dir(fresh.dir.path().join("node-b"));
    let second = TestServer::start_on(&first.database, elsewhere, |_| {}).await;

    let mut alice_ws = first.join("alice").await;
    let attachment = first.upload(&alice, "notes.txt", b"written on the first node").await.json();
    alice_ws.send(&sent_with(&attachment["id"], "n1")).await;
    let seq = alice_ws.ack("n1").await;

    // The second node serves it to a member, and to no one else.
    let url = attachment["url"].as_str().expect("a url");
    let bob = second.cookie("bob").await;
    let fetched = second.fetch(&bob, url, "").await;
    assert_eq!((fetched.status, fetched.body.as_slice()), (200, &b"written on the first node"[..]));
    assert_eq!(second.fetch("", url, "").await.status, 404);

    // Deleted on the second node: gone from the bucket, so from every node.
    let mut alice_there = Client::connect(&second.ws_url(), &alice).await;
    alice_there.send(&ClientFrame::Hello { room: "general".into(), after: None }).await;
    alice_there.send(&ClientFrame::Delete { room: "general".into(), client_id: "d1".into(), seq }).await;
    alice_there.ack("d1").await;
    let bucket = first.storage.bucket.clone().expect("a bucket");
    eventually("the file leaves the bucket", async || bucket.names().await.is_empty()).await;
    assert_eq!(first.fetch(&bob, url, "").await.status, 404);
}

#[tokio::test]
async fn when_the_store_is_gone_uploads_fail_clearly_and_chat_goes_on() {
    let mut s3 = TestS3::start().await;
    let (_fresh, server) = on_bucket(&s3).await;
    let alice = server.cookie("alice").await;
    let kept = server.upload(&alice, "before.txt", b"kept while the store was up").await.json();
    let mut alice_ws = server.join("alice").await;

    s3.kill();
    let refused = server.upload(&alice, "after.txt", b"cannot be kept now").await;
    assert_eq!(refused.status, 503, "{}", refused.text());
    assert_eq!(refused.json()["code"], "unavailable");
    assert_eq!(refused.json()["message"], "the server could not store the file; try again");
    let download = server.fetch(&alice, kept["url"].as_str().expect("a url"), "").await;
    assert_eq!(download.status, 503);
    // Nothing half-done is left behind on the node.
    let left = Storage { dir: server.storage.dir.clone(), bucket: None }.files().await;
    assert!(left.is_empty(), "{left:?}");

    // Text is not held up by files.
    alice_ws.send_message("t1", "still here").await;
    assert!(alice_ws.ack("t1").await > Seq::ZERO);
}

#[tokio::test]
async fn a_bucket_that_is_not_there_stops_the_server_at_start_with_its_name() {
    let s3 = TestS3::start().await;
    let fresh = FreshDatabase::new().await;
    let mut config = Config::with_database(fresh.database.clone());
    let url = format!("{}no-such-bucket", s3.endpoint);
    let mut storage = Storage { dir: fresh.dir.path().join("uploads"), bucket: Some(s3.bucket().await) };
    if let Some(bucket) = &mut storage.bucket {
        bucket.url = url;
    }
    storage.configure(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let started = server::run(config, leptos_options(), listener, std::future::pending::<()>());
    let error =
        tokio::time::timeout(PATIENCE, started).await.expect("gives up at once").expect_err("refuses");
    let said = format!("{error:#}");
    assert!(said.contains("no-such-bucket") && said.contains("404"), "{said}");
}
