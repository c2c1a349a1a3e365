//! Attachments end to end against a real server: upload, attach, live delivery, download,
//! what is stripped, who may see a file, the caps, and the sweep of uploads never sent.

use crate::support::media_fixtures as fixtures;
use banter::attachments::{AttachmentKind, MAX_ATTACHMENTS_PER_MESSAGE};
use banter::ids::Seq;
use banter::model::ChatMessage;
use banter::protocol::{ClientFrame, ErrorCode, ResumeFrom, ServerFrame};

use crate::support::{Client, PATIENCE, RawResponse, TestServer, eventually};

/// Upload and expect success: the attachment as the server describes it.
async fn uploaded(server: &TestServer, cookie: &str, name: &str, bytes: &[u8]) -> serde_json::Value {
    let response = server.upload(cookie, name, bytes).await;
    assert_eq!(response.status, 201, "{}", response.text());
    response.json()
}

async fn send_with(client: &mut Client, room: &str, client_id: &str, body: &str, ids: &[&serde_json::Value]) {
    let attachments = ids.iter().map(|a| serde_json::from_value(a["id"].clone()).expect("an id")).collect();
    client
        .send(&ClientFrame::Send {
            room: room.into(),
            client_id: client_id.into(),
            body: body.into(),
            attachments,
            reply_to: None,
            thread: None,
            also_to_room: false,
        })
        .await;
}

async fn message(client: &mut Client, client_id: &str) -> ChatMessage {
    let (frame, _) = client.until(|f| matches!(f, ServerFrame::Message(m) if m.client_id == client_id)).await;
    let ServerFrame::Message(message) = frame else { unreachable!() };
    message
}

async fn refused(client: &mut Client, client_id: &str) -> ErrorCode {
    let (frame, _) = client
        .until(|f| matches!(f, ServerFrame::Error { client_id: Some(id), .. } | ServerFrame::Ack { client_id: id, .. } if id == client_id))
        .await;
    match frame {
        ServerFrame::Error { code, .. } => code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_photo_reaches_the_room_upright_and_without_its_location() {
    let server = TestServer::start().await;
    let mut alice = server.join("alice").await;
    let mut bob = server.join("bob").await;
    let alice_cookie = server.cookie("alice").await;
    let bob_cookie = server.cookie("bob").await;

    let photo = fixtures::sideways_photo();
    // Named like a PNG and sent as one: the bytes say JPEG.
    let attachment = uploaded(&server, &alice_cookie, "beach.png", &photo).await;
    assert_eq!(attachment["kind"], "image");
    assert_eq!(attachment["mime"], "image/jpeg");
    assert_eq!((attachment["width"].as_u64(), attachment["height"].as_u64()), (Some(20), Some(40)));

    send_with(&mut alice, "general", "p1", "look", &[&attachment]).await;
    assert!(alice.ack("p1").await > Seq::ZERO);
    let heard = message(&mut bob, "p1").await;
    assert_eq!(heard.body, "look");
    let carried = &heard.attachments[0];
    assert_eq!(carried.kind, AttachmentKind::Image);
    assert_eq!(carried.name, "beach.png");
    assert_eq!(carried.url, attachment["url"].as_str().expect("a url"));

    let file = server.fetch(&bob_cookie, &carried.url, "").await;
    assert_eq!(file.status, 200);
    assert_eq!(file.header("content-type"), Some("image/jpeg"));
    assert!(file.header("content-disposition").is_some_and(|d| d.starts_with("inline")));
    assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
    assert!(file.header("content-security-policy").is_some_and(|c| c.contains("sandbox")));
    assert!(!file.body.windows(4).any(|w| w == b"Exif"), "no EXIF, so no GPS");
    let image = image::load_from_memory(&file.body).expect("a JPEG");
    assert_eq!((image.width(), image.height()), (20, 40), "upright");

    let thumb = server.fetch(&bob_cookie, carried.thumb_url.as_deref().expect("a thumbnail"), "").await;
    assert_eq!(thumb.status, 200);
    assert_eq!(thumb.header("content-type"), Some("image/jpeg"));
    image::load_from_memory(&thumb.body).expect("the thumbnail decodes");

    // A resume replays it with its attachments; the server's page shows the thumbnail.
    let mut late = server.connect("carol").await;
    late.send(&ClientFrame::Hello { room: "general".into(), after: Some(ResumeFrom::Seq(Seq(0))) }).await;
    let (replay, _) = late.until(|f| matches!(f, ServerFrame::Messages { .. })).await;
    let ServerFrame::Messages { messages, .. } = replay else { unreachable!() };
    let replayed = messages.iter().find(|m| m.client_id == "p1").expect("replayed");
    assert_eq!(replayed.attachments, heard.attachments);
    let page = server.get_as(&bob_cookie, "/").await;
    assert!(page.contains(carried.thumb_url.as_deref().unwrap_or("?")), "the page links the thumbnail");
}

#[tokio::test]
async fn files_follow_the_room_and_strangers_get_the_answer_for_nothing() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    let eve = server.cookie("eve").await;
    let room = server.private_room(&ann, "club", &["bob"]).await;

    let attachment = uploaded(&server, &ann, "plan.pdf", b"%PDF-1.4 secret plans").await;
    let url = attachment["url"].as_str().expect("a url").to_owned();
    // Before it is sent, only its uploader sees it.
    assert_eq!(server.fetch(&ann, &url, "").await.status, 200);
    let missing = server.fetch(&bob, "/files/0123456789abcdef0123456789abcdef/plan.pdf", "").await;
    let unsent = server.fetch(&bob, &url, "").await;
    assert_eq!((unsent.status, unsent.text()), (missing.status, missing.text()));
    assert_eq!(missing.status, 404);

    let mut ann_ws = server.connect("ann").await;
    ann_ws.send(&ClientFrame::Hello { room: room.clone().into(), after: None }).await;
    send_with(&mut ann_ws, &room, "f1", "", &[&attachment]).await;
    ann_ws.ack("f1").await;

    // A member may fetch it; a stranger and someone signed out get the 404 of nothing.
    assert_eq!(server.fetch(&bob, &url, "").await.status, 200);
    for cookie in [eve.as_str(), ""] {
        let answer = server.fetch(cookie, &url, "").await;
        assert_eq!((answer.status, answer.text()), (missing.status, missing.text()));
    }
    // Removed from the room, bob loses it too.
    server.post_form("/api/remove_member", Some(&ann), &format!("room={room}&username=bob")).await;
    assert_eq!(server.fetch(&bob, &url, "").await.status, 404);
}

#[tokio::test]
async fn anything_not_shown_inline_is_a_download_never_rendered() {
    let server = TestServer::start().await;
    let alice = server.cookie("alice").await;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let html = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>";
    for (name, bytes) in
        [("cat.svg", &svg[..]), ("page.html", &html[..]), ("notes.png", b"plain text, honestly")]
    {
        let attachment = uploaded(&server, &alice, name, bytes).await;
        assert_eq!(attachment["kind"], "file", "{name}");
        let file = server.fetch(&alice, attachment["url"].as_str().expect("url"), "").await;
        assert_eq!(file.status, 200);
        assert_eq!(file.header("content-type"), Some("application/octet-stream"), "{name}");
        assert!(file.header("content-disposition").is_some_and(|d| d.starts_with("attachment")), "{name}");
        assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(file.body, bytes);
    }
}

#[tokio::test]
async fn video_can_be_fetched_in_ranges() {
    let server = TestServer::start().await;
    let alice = server.cookie("alice").await;
    let mut video = fixtures::mp4_head();
    video.resize(10_000, 7);
    let attachment = uploaded(&server, &alice, "clip.mp4", &video).await;
    assert_eq!(attachment["kind"], "video");
    let part =
        server.fetch(&alice, attachment["url"].as_str().expect("url"), "Range: bytes=100-199\r\n").await;
    assert_eq!(part.status, 206);
    assert_eq!(part.header("content-type"), Some("video/mp4"));
    assert_eq!(part.body, &video[100..200]);
}

#[tokio::test]
async fn over_the_cap_is_refused_and_nothing_is_kept() {
    let server = TestServer::start_with(|c| c.max_upload_bytes = 1_000).await;
    let alice = server.cookie("alice").await;
    // Said small enough up front, then too long: cut off while streaming.
    let response: RawResponse = server.upload(&alice, "big.bin", &[1; 5_000]).await;
    assert_eq!(response.status, 413);
    assert_eq!(response.json()["code"], "too_large");
    assert_eq!(response.json()["message"], "files can be at most 1.0 KB");
    // Said too large up front: refused before the body is read.
    let request = format!(
        "POST /api/uploads HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nCookie: {alice}\r\n\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000000\r\nConnection: close\r\n\r\n",
        host = server.addr
    );
    let early = tokio::time::timeout(PATIENCE, server.http_bytes(request.as_bytes()))
        .await
        .expect("answered at once");
    assert_eq!(early.status, 413);
    let left = server.storage.files().await;
    assert!(left.is_empty(), "{left:?}");
    // Exactly at the cap is fine; an image past the pixel cap is refused.
    assert_eq!(server.upload(&alice, "ok.bin", &[1; 1_000]).await.status, 201);
    let server = TestServer::start().await;
    let bob = server.cookie("bob").await;
    let bomb = server.upload(&bob, "bomb.png", &fixtures::png_bomb()).await;
    assert_eq!(bomb.status, 413, "{}", bomb.text());
    assert!(bomb.json()["message"].as_str().is_some_and(|m| m.contains("pixels")));
}

#[tokio::test]
async fn only_your_own_unsent_uploads_can_be_attached() {
    let server = TestServer::start().await;
    let mut alice = server.join("alice").await;
    let bob = server.cookie("bob").await;
    let alice_cookie = server.cookie("alice").await;
    let bobs = uploaded(&server, &bob, "b.txt", b"bob's").await;
    send_with(&mut alice, "general", "x1", "mine now", &[&bobs]).await;
    assert_eq!(refused(&mut alice, "x1").await, ErrorCode::AttachmentUnavailable);

    let mine = uploaded(&server, &alice_cookie, "a.txt", b"alice's").await;
    send_with(&mut alice, "general", "x2", "", &[&mine]).await;
    alice.ack("x2").await;
    // Sent once; not again in another message.
    send_with(&mut alice, "general", "x3", "again", &[&mine]).await;
    assert_eq!(refused(&mut alice, "x3").await, ErrorCode::AttachmentUnavailable);
    let many: Vec<&serde_json::Value> = std::iter::repeat_n(&mine, MAX_ATTACHMENTS_PER_MESSAGE + 1).collect();
    send_with(&mut alice, "general", "x4", "many", &many).await;
    assert_eq!(refused(&mut alice, "x4").await, ErrorCode::TooManyAttachments);
    // Nothing at all is still nothing.
    send_with(&mut alice, "general", "x5", " ", &[]).await;
    assert_eq!(refused(&mut alice, "x5").await, ErrorCode::EmptyBody);
}

#[tokio::test]
async fn uploads_never_sent_are_swept() {
    let server = TestServer::start_with(|c| c.upload_ttl = 0).await;
    let alice = server.cookie("alice").await;
    let attachment = uploaded(&server, &alice, "draft.txt", b"never sent").await;
    let url = attachment["url"].as_str().expect("url").to_owned();
    // The sweeper runs every second with a TTL of zero: wait for it to have run. It forgets
    // the upload, then removes its file: both must be gone.
    eventually("the upload and its file are swept", async || {
        server.fetch(&alice, &url, "").await.status == 404 && server.storage.files().await.is_empty()
    })
    .await;
}

#[tokio::test]
async fn a_malformed_part_header_is_the_senders_mistake_and_a_short_body_is_a_cut_off_upload() {
    let server = TestServer::start().await;
    let alice = server.cookie("alice").await;
    let upload = |body: Vec<u8>| {
        let mut request = format!(
            "POST /api/uploads HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nCookie: {alice}\r\n\
             Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n",
            host = server.addr,
            len = body.len()
        )
        .into_bytes();
        request.extend_from_slice(&body);
        request
    };
    // A control character in the file name: no parser reads that header.
    let malformed = b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\x01b.txt\"\r\n\r\nhello\r\n--x--\r\n";
    let response = server.http_bytes(&upload(malformed.to_vec())).await;
    assert_eq!(
        (response.status, response.json()["code"].as_str()),
        (400, Some("invalid_upload")),
        "{}",
        response.text()
    );
    // Well-formed, but the body ends inside the file.
    let cut = b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhel".to_vec();
    let response = server.http_bytes(&upload(cut)).await;
    assert_eq!(
        (response.status, response.json()["code"].as_str()),
        (400, Some("interrupted")),
        "{}",
        response.text()
    );
    let left = server.storage.files().await;
    assert!(left.is_empty(), "{left:?}");
}
