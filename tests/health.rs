//! `/healthz` tells a supervisor whether messages can still be stored, and the server stops
//! with an error when they cannot.

use banter::server::{self, AppState, Config, Store};

use crate::support::{PATIENCE, leptos_options};

async fn state(dir: &tempfile::TempDir) -> AppState {
    let db = dir.path().join("health.db");
    let store = Store::open(&db).await.expect("store opens");
    AppState::new(leptos_options(), Config::with_db(db), store).await.expect("attachments directory")
}

async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut response)).await.expect("in time").expect("read");
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn healthz_fails_once_the_sequencer_has_stopped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = state(&dir).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = server::router(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });

    assert!(get(addr, "/healthz").await.starts_with("HTTP/1.1 200"));
    let metrics = get(addr, "/metrics").await;
    assert!(metrics.contains("banter_sequencer_up 1"), "{metrics}");
    state.sequencer.shutdown().await;
    let health = get(addr, "/healthz").await;
    assert!(health.starts_with("HTTP/1.1 503") && health.contains("cannot be stored"), "{health}");
    assert!(get(addr, "/metrics").await.contains("banter_sequencer_up 0"));
}

#[tokio::test]
async fn the_server_stops_with_an_error_when_the_sequencer_stops_by_itself() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = state(&dir).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let served = tokio::spawn(server::serve(state.clone(), listener, std::future::pending()));
    state.sequencer.shutdown().await;
    let result = tokio::time::timeout(PATIENCE, served).await.expect("stops in time").expect("task");
    let error = result.expect_err("an unexpected stop is an error");
    assert!(error.to_string().contains("sequencer"), "{error}");
}
