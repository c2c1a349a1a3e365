//! Fetching a linked page for its preview, against real HTTP servers on 127.0.0.1 that the
//! tests start: a page with OpenGraph tags, redirects into the server's own network and to the
//! cloud metadata address (refused), a 50 MB page (cut off), a page that trickles (cut off in
//! time), something that is not a page. The guard here lets the name `og.test` (pinned to
//! 127.0.0.1) through, as an operator's `--outbound-allow` would, and nothing else internal.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use banter::server::outbound::OutboundPolicy;
use banter::server::previews::fetcher::{FetchError, Fetcher, MAX_PAGE_BYTES};

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
}
