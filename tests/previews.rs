//! Fetching a linked page for its preview, against real HTTP servers on 127.0.0.1 that the
//! tests start: a page with OpenGraph tags, redirects into the server's own network and to the
//! cloud metadata address (refused), a 50 MB page (cut off), a page that trickles (cut off in
//! time), something that is not a page. The guard here lets the name `og.test` (pinned to
//! 127.0.0.1) through, as an operator's `--outbound-allow` would, and nothing else internal.

use banter::ids::Seq;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use banter::protocol::{ClientFrame, ErrorCode, ResumeFrom, ServerFrame};
use banter::server::outbound::OutboundPolicy;
use banter::server::previews::fetcher::{FetchError, Fetcher, MAX_IMAGE_BYTES, MAX_PAGE_BYTES};
use banter::server::previews::previewer::PREVIEW_BURST;

use crate::support::media_fixtures as fixtures;
use crate::support::{TestServer, json_body};

const FIFTY_MB: usize = 50 * 1024 * 1024;

struct Pages {
    /// Bytes of the 50 MB page handed to the connection.
    sent: Arc<AtomicUsize>,
    /// Fetches of the OpenGraph page.
    fetched: Arc<AtomicUsize>,
    port: u16,
}

async fn start_pages() -> Pages {
    let sent = Arc::new(AtomicUsize::new(0));
    let fetched = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (counted, counter) = (Arc::clone(&sent), Arc::clone(&fetched));
    let app = axum::Router::new()
        .route(
            "/article",
            get(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async {
                    (
                        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                        r#"<!doctype html><html><head><title>Fallback</title>
                           <meta property="og:title" content="Release 7 is out">
                           <meta property="og:description" content="Faster, smaller, kinder.">
                           <meta property="og:site_name" content="Example News">
                           <meta property="og:image" content="/cards/release-7.png">
                           </head><body>…</body></html>"#,
                    )
                }
            }),
        )
        .route(
            "/to-loopback",
            get(move || async move { Redirect::temporary(&format!("http://127.0.0.1:{port}/article")) }),
        )
        .route(
            "/to-metadata",
            get(|| async { Redirect::temporary("http://169.254.169.254/latest/meta-data/") }),
        )
        .route(
            "/to-metadata-name",
            get(|| async { Redirect::temporary("http://meta.test/latest/meta-data/") }),
        )
        .route(
            "/huge",
            get(move || {
                let counted = Arc::clone(&counted);
                async move {
                    let head = futures::stream::once(async {
                        Ok::<_, std::io::Error>(axum::body::Bytes::from_static(
                            b"<html><head><meta property=\"og:title\" content=\"Huge\"></head><body>",
                        ))
                    });
                    let chunk = axum::body::Bytes::from(vec![b'x'; 64 * 1024]);
                    let rest = futures::stream::iter(0..FIFTY_MB / chunk.len()).map(move |_| {
                        counted.fetch_add(chunk.len(), Ordering::SeqCst);
                        Ok::<_, std::io::Error>(chunk.clone())
                    });
                    use futures::StreamExt;
                    ([(header::CONTENT_TYPE, "text/html")], Body::from_stream(head.chain(rest)))
                        .into_response()
                }
            }),
        )
        .route(
            "/trickle",
            get(|| async {
                let start = futures::stream::once(async {
                    Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"<html><head><title>Slo"))
                });
                use futures::StreamExt;
                let never = futures::stream::pending::<Result<axum::body::Bytes, std::io::Error>>();
                ([(header::CONTENT_TYPE, "text/html")], Body::from_stream(start.chain(never))).into_response()
            }),
        )
        .route(
            "/image.png",
            get(|| async { ([(header::CONTENT_TYPE, "image/png")], vec![0u8; 100]).into_response() }),
        )
        .route(
            "/cards/release-7.png",
            get(|| async { ([(header::CONTENT_TYPE, "image/png")], fixtures::png(1_200, 600)).into_response() }),
        )
        .route(
            "/bomb-page",
            get(|| async {
                let page = r#"<html><head><meta property="og:title" content="Bomb"><meta property="og:image" content="/cards/bomb.png"></head>"#;
                ([(header::CONTENT_TYPE, "text/html")], page).into_response()
            }),
        )
        .route(
            "/cards/bomb.png",
            get(|| async { ([(header::CONTENT_TYPE, "image/png")], fixtures::png_bomb()).into_response() }),
        )
        .route(
            "/big.png",
            get(|| async { ([(header::CONTENT_TYPE, "image/png")], vec![0u8; MAX_IMAGE_BYTES + 1]).into_response() }),
        )
        .route("/gone", get(|| async { StatusCode::NOT_FOUND.into_response() }))
        .route(
            "/plain",
            get(|| async {
                Response::builder()
                    .header(header::CONTENT_TYPE, "text/html")
                    .body(Body::from("<p>hi</p>"))
                    .expect("response")
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.expect("pages serve") });
    Pages { sent, fetched, port }
}

fn fetcher(timeout: Duration) -> Fetcher {
    let policy = OutboundPolicy::new(
        vec!["og.test".parse().expect("host")],
        vec!["og.test=127.0.0.1".parse().expect("pin"), "meta.test=169.254.169.254".parse().expect("pin")],
    );
    Fetcher::new(Arc::new(policy), timeout).expect("client")
}

#[tokio::test]
async fn a_page_previews_by_its_opengraph_tags_once_however_often_it_is_asked() {
    let pages = start_pages().await;
    let fetcher = fetcher(Duration::from_secs(5));
    let url = format!("http://og.test:{}/article", pages.port);
    let (first, second) = tokio::join!(fetcher.preview(&url), fetcher.preview(&url));
    let meta = first.expect("a preview");
    assert_eq!(second.expect("the same"), meta);
    assert_eq!(meta.title, "Release 7 is out");
    assert_eq!(meta.description, "Faster, smaller, kinder.");
    assert_eq!(meta.site_name, "Example News");
    assert_eq!(meta.image, format!("http://og.test:{}/cards/release-7.png", pages.port), "made absolute");
    fetcher.preview(&url).await.expect("cached");
    assert_eq!(pages.fetched.load(Ordering::SeqCst), 1, "one fetch for three asks");
}

#[tokio::test]
async fn nothing_inside_the_servers_own_network_is_fetched_not_even_by_a_redirect() {
    let pages = start_pages().await;
    let fetcher = fetcher(Duration::from_secs(5));
    let port = pages.port;
    for url in [
        format!("http://127.0.0.1:{port}/article"),
        format!("http://og.test:{port}/to-loopback"),
        format!("http://og.test:{port}/to-metadata"),
        format!("http://og.test:{port}/to-metadata-name"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[::1]/".to_owned(),
        "http://localhost/".to_owned(),
    ] {
        let refused = fetcher.preview(&url).await;
        assert!(matches!(refused, Err(FetchError::Refused(_))), "{url}: {refused:?}");
    }
    assert_eq!(pages.fetched.load(Ordering::SeqCst), 0, "the page behind the redirect was never reached");
    assert_eq!(fetcher.preview("file:///etc/passwd").await, Err(FetchError::NotHttp));
}

#[tokio::test]
async fn what_is_read_is_bounded_in_bytes_and_time_and_only_pages_are_read() {
    let pages = start_pages().await;
    let port = pages.port;
    let fetcher = fetcher(Duration::from_millis(500));
    let huge = fetcher.preview(&format!("http://og.test:{port}/huge")).await.expect("the head is read");
    assert_eq!(huge.title, "Huge");
    let sent = pages.sent.load(Ordering::SeqCst);
    assert!(sent < FIFTY_MB / 4, "cut off near {MAX_PAGE_BYTES} bytes, not all 50 MB: {sent}");
    assert_eq!(fetcher.preview(&format!("http://og.test:{port}/trickle")).await, Err(FetchError::TimedOut));
    assert_eq!(fetcher.preview(&format!("http://og.test:{port}/image.png")).await, Err(FetchError::NotHtml));
    assert_eq!(fetcher.preview(&format!("http://og.test:{port}/gone")).await, Err(FetchError::Status(404)));
    assert_eq!(fetcher.preview(&format!("http://og.test:{port}/plain")).await, Err(FetchError::Nothing));
    // A page's image: only an image, and not a large one.
    assert_eq!(fetcher.image(&format!("http://og.test:{port}/article")).await, Err(FetchError::NotImage));
    assert_eq!(fetcher.image(&format!("http://og.test:{port}/big.png")).await, Err(FetchError::TooLarge));
    assert!(matches!(
        fetcher.image(&format!("http://127.0.0.1:{port}/big.png")).await,
        Err(FetchError::Refused(_))
    ));
}

/// A server whose guard lets `og.test` (the pages above, on 127.0.0.1) through, as an
/// operator's `--outbound-allow` would.
async fn previewing(tune: impl FnOnce(&mut banter::server::Config)) -> TestServer {
    TestServer::start_with(|c| {
        c.outbound_allow = vec!["og.test".parse().expect("host")];
        c.outbound_resolve = vec!["og.test=127.0.0.1".parse().expect("pin")];
        tune(c);
    })
    .await
}

/// The next `preview` frame `client` hears: its change's `seq`, its target and the preview.
async fn next_preview(client: &mut crate::support::Client) -> (Seq, Seq, Option<banter::model::LinkPreview>) {
    match client.until(|f| matches!(f, ServerFrame::Preview { .. })).await.0 {
        ServerFrame::Preview { seq, target, preview, .. } => (seq, target, preview),
        other => panic!("expected a preview, got {other:?}"),
    }
}

#[tokio::test]
async fn a_links_preview_arrives_live_as_a_change_and_a_resumer_hears_of_it_once() {
    let pages = start_pages().await;
    let server = previewing(|_| {}).await;
    let mut ann = server.join("ann").await;
    let mut bob = server.join("bob").await;
    let url = format!("http://og.test:{}/article", pages.port);
    let seq = ann.say("general", "p1", &format!("notes: `http://in.code.example` and {url}")).await;

    let (change, target, preview) = next_preview(&mut bob).await;
    assert_eq!(target, seq);
    assert!(change > seq, "a change of its own, after the message");
    let preview = preview.expect("a preview");
    assert_eq!(preview.url, url, "the first link outside code");
    assert_eq!((preview.title.as_str(), preview.site_name.as_str()), ("Release 7 is out", "Example News"));
    let image = preview.image.clone().expect("its image");
    assert_eq!((image.width, image.height), (480, 240), "shrunk to 480 a side, its shape kept");

    // The image is the server's own copy, re-encoded, for those who may read the room.
    let bob_cookie = server.cookie("bob").await;
    let served = server.fetch(&bob_cookie, &image.path, "").await;
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type"), Some("image/jpeg"));
    let decoded = image::load_from_memory(&served.body).expect("an image");
    assert_eq!((decoded.width(), decoded.height()), (480, 240));
    assert_eq!(server.fetch("", &image.path, "").await.status, 404, "signed out");

    // From before the message, it comes with its preview and no change; from after it, the
    // change, once.
    let mut early = server.join_after("carol", Some(seq - 1)).await;
    let heard = early.round_trip().await;
    let with_preview = heard.iter().any(|f| {
        matches!(f, ServerFrame::Messages { messages, .. }
        if messages.iter().any(|m| m.seq == seq && m.preview.as_deref() == Some(&preview)))
    });
    assert!(with_preview, "{heard:?}");
    assert!(!heard.iter().any(|f| matches!(f, ServerFrame::Preview { .. })), "{heard:?}");
    let mut late = server.join_after("carol", Some(seq)).await;
    let heard = late.round_trip().await;
    let changes: Vec<_> = heard.iter().filter(|f| matches!(f, ServerFrame::Preview { .. })).collect();
    assert_eq!(changes.len(), 1, "{heard:?}");
    assert!(matches!(changes[0], ServerFrame::Preview { seq: s, target: t, preview: Some(p), .. }
        if *s == change && *t == seq && *p == preview));
    assert_eq!(pages.fetched.load(Ordering::SeqCst), 1);

    // An edit that gives a message its first link gets it a preview too.
    let plain = ann.say("general", "p2", "the notes are coming").await;
    let edit = ClientFrame::Edit {
        room: "general".into(),
        client_id: "e1".into(),
        seq: plain,
        body: format!("the notes: {url}?v=2"),
    };
    ann.change(edit).await.expect("edited");
    let (_, target, preview) = next_preview(&mut bob).await;
    assert_eq!((target, preview.map(|p| p.title)), (plain, Some("Release 7 is out".to_owned())));
}

#[tokio::test]
async fn its_author_removes_a_preview_for_everyone_and_no_one_else_can_nor_see_it_outside_the_room() {
    let pages = start_pages().await;
    let server = previewing(|_| {}).await;
    let (ann_cookie, bob_cookie, dave_cookie) =
        (server.cookie("ann").await, server.cookie("bob").await, server.cookie("dave").await);
    let room = server.private_room(&ann_cookie, "ops", &["bob"]).await;
    let mut ann = server.join_room("ann", &room).await;
    let mut bob = server.join_room("bob", &room).await;
    let url = format!("http://og.test:{}/article", pages.port);
    let seq = ann.say(&room, "p1", &url).await;
    let (_, _, preview) = next_preview(&mut bob).await;
    let path = preview.expect("a preview").image.expect("an image").path;
    assert_eq!(server.fetch(&bob_cookie, &path, "").await.status, 200);
    assert_eq!(server.fetch(&dave_cookie, &path, "").await.status, 404, "not in the room");

    let remove =
        |id: &str| ClientFrame::RemovePreview { room: room.clone().into(), client_id: id.into(), seq };
    assert_eq!(bob.change(remove("r1")).await, Err(ErrorCode::NotYours));
    let removed = ann.change(remove("r2")).await.expect("removed");
    let (change, target, preview) = next_preview(&mut bob).await;
    assert_eq!((change, target, preview), (removed, seq, None));
    assert_eq!(server.fetch(&bob_cookie, &path, "").await.status, 404, "its image is gone too");
    assert_eq!(ann.change(remove("r2")).await, Ok(removed), "a resend is applied once");
    assert_eq!(ann.change(remove("r3")).await, Err(ErrorCode::NoSuchMessage), "nothing left to remove");

    // Replayed, the message has none.
    let mut again = server.connect("bob").await;
    again
        .send(&ClientFrame::Hello { room: room.clone().into(), after: Some(ResumeFrom::Seq(seq - 1)) })
        .await;
    let heard = again.round_trip().await;
    let message = heard.iter().find_map(|f| match f {
        ServerFrame::Messages { messages, .. } => messages.iter().find(|m| m.seq == seq).cloned(),
        _ => None,
    });
    assert_eq!(message.expect("replayed").preview, None);

    // A deleted message's preview goes with it.
    let second = ann.say(&room, "p2", &format!("{url}?again")).await;
    let (_, target, preview) = next_preview(&mut bob).await;
    assert_eq!(target, second);
    let path = preview.expect("a preview").image.expect("an image").path;
    ann.change(ClientFrame::Delete { room: room.clone().into(), client_id: "d1".into(), seq: second })
        .await
        .expect("deleted");
    assert_eq!(server.fetch(&bob_cookie, &path, "").await.status, 404);
}

#[tokio::test]
async fn a_rooms_switch_and_the_authors_allowance_hold_previews_back_and_a_bomb_gets_no_image() {
    let pages = start_pages().await;
    let server = previewing(|c| c.burst = 100).await;
    let (ann_cookie, bob_cookie) = (server.cookie("ann").await, server.cookie("bob").await);
    let room = server.private_room(&ann_cookie, "ops", &["bob"]).await;
    let off = server.call("/api/set_link_previews", &bob_cookie, &format!("room={room}&on=false")).await;
    assert!(off.starts_with("HTTP/1.1 404"), "only its moderators: {off}");
    let off = server.call("/api/set_link_previews", &ann_cookie, &format!("room={room}&on=false")).await;
    assert!(off.starts_with("HTTP/1.1 200"), "{off}");
    let page: banter::api::IntegrationsPage =
        json_body(&server.call("/api/load_integrations", &ann_cookie, &format!("room={room}")).await);
    assert!(!page.previews && page.server_previews);

    let mut ann = server.join_room("ann", &room).await;
    let mut bob = server.join("bob").await;
    let base = format!("http://og.test:{}", pages.port);
    // Messages are taken in order: by the time the second has its preview, the first was
    // passed over.
    ann.say(&room, "off", &format!("{base}/article?in=ops")).await;
    let mut general = server.join("ann").await;
    let bomb = general.say("general", "bomb", &format!("{base}/bomb-page")).await;
    let (_, target, preview) = next_preview(&mut bob).await;
    assert_eq!(target, bomb);
    let preview = preview.expect("a preview");
    assert_eq!((preview.title.as_str(), preview.image), ("Bomb", None), "the bomb is refused, the card kept");
    assert_eq!(pages.fetched.load(Ordering::SeqCst), 0, "nothing fetched for a room with previews off");
    assert!(!ann.round_trip().await.iter().any(|f| matches!(f, ServerFrame::Preview { .. })));

    // Ann has spent one; the rest of her allowance, then none. Bob's own comes after hers.
    let allowance = usize::try_from(PREVIEW_BURST).expect("small") - 1;
    let mut expected = Vec::new();
    for n in 0..=allowance {
        expected.push(general.say("general", &format!("n{n}"), &format!("{base}/article?n={n}")).await);
    }
    expected.pop();
    let mut bob_sends = server.join("bob").await;
    let last = bob_sends.say("general", "bob", &format!("{base}/article?by=bob")).await;
    let mut previews = Vec::new();
    for _ in 0..=allowance {
        previews.push(next_preview(&mut bob).await.1);
    }
    previews.sort_unstable();
    expected.push(last);
    assert_eq!(previews, expected, "the rest of ann's allowance, then bob's one");
    assert_eq!(pages.fetched.load(Ordering::SeqCst), allowance + 1);
}

#[tokio::test]
async fn a_server_with_previews_off_fetches_nothing() {
    let pages = start_pages().await;
    let server = previewing(|c| c.link_previews = false).await;
    let ann_cookie = server.cookie("ann").await;
    let mut ann = server.join("ann").await;
    let mut bob = server.join("bob").await;
    ann.say("general", "p1", &format!("http://og.test:{}/article", pages.port)).await;
    bob.until(|f| matches!(f, ServerFrame::Message(_))).await;
    assert!(!bob.round_trip().await.iter().any(|f| matches!(f, ServerFrame::Preview { .. })));
    let room = server.private_room(&ann_cookie, "ops", &[]).await;
    let page: banter::api::IntegrationsPage =
        json_body(&server.call("/api/load_integrations", &ann_cookie, &format!("room={room}")).await);
    assert!(!page.server_previews);
    assert_eq!(pages.fetched.load(Ordering::SeqCst), 0);
}
