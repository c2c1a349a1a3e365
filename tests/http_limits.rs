//! HTTP hygiene: slow headers are cut off, large bodies refused, connections capped, and
//! shutdown finishes within its grace even with connections that never finish a request.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{PATIENCE, TestServer};

/// Read until the server closes the connection; what it sent.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut answer))
        .await
        .expect("the server closes the connection in time")
        .ok();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_is_cut_off() {
    let server = TestServer::start_with(|c| c.header_read_timeout = 1).await;
    let mut slow = TcpStream::connect(server.addr).await.expect("connect");
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.expect("write");
    // The rest of the headers never come; the server hangs up (with a 408 or without a word).
    let answer = read_to_close(&mut slow).await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(server.get("/healthz").await.starts_with("HTTP/1.1 200"), "others are served");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let server = TestServer::start().await;
    let cookie = server.cookie("ann").await;
    let body =
        format!("room=general&client_id=big&body={}", "x".repeat(banter::server::MAX_REQUEST_BODY_BYTES));
    let answer = server.post_form("/api/post_message", Some(&cookie), &body).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{}", &answer[..answer.len().min(300)]);
    assert!(answer.contains("limit"), "says why: {}", &answer[..answer.len().min(300)]);
    assert!(!server.get_as(&cookie, "/").await.contains("xxxxxxxxxx"), "nothing stored");
}

#[tokio::test]
async fn http_connections_are_capped() {
    let server = TestServer::start_with(|c| {
        c.max_http_connections = 2;
        c.header_read_timeout = 60;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        // Half a request: the connection stays open, holding its place.
        stream.write_all(b"GET / HTTP/1.1\r\n").await.expect("write");
        held.push(stream);
    }
    // Make sure the server has taken both before the third comes.
    let mut third = TcpStream::connect(server.addr).await.expect("the kernel accepts");
    third.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.ok();
    let answer = read_to_close(&mut third).await;
    assert!(answer.is_empty(), "closed without an answer: {answer}");
    // One of the held ones finishes: its place is free again.
    held[0].write_all(b"Host: x\r\nConnection: close\r\n\r\n").await.expect("write");
    assert!(read_to_close(&mut held[0]).await.starts_with("HTTP/1.1"));
    let served = tokio::time::timeout(PATIENCE, async {
        loop {
            let answer = server.get("/healthz").await;
            if answer.starts_with("HTTP/1.1 200") {
                return;
            }
            tokio::task::yield_now().await;
        }
    });
    served.await.expect("a new connection is served once a place is free");
}

#[tokio::test]
async fn shutdown_ends_within_its_grace_despite_half_open_connections() {
    let mut server = TestServer::start_with(|c| {
        c.shutdown_grace = 1;
        c.header_read_timeout = 600;
    })
    .await;
    let mut stuck = TcpStream::connect(server.addr).await.expect("connect");
    stuck
        .write_all(b"POST /api/sign_in HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nusern")
        .await
        .expect("write");
    let _idle_socket = server.join("ann").await;
    // `stop` fails the test if the server has not stopped within PATIENCE (10 s), far less
    // than the header timeout: only the grace deadline can end it.
    server.stop().await;
    let answer = read_to_close(&mut stuck).await;
    assert!(!answer.starts_with("HTTP/1.1 2"), "{answer}");
}
