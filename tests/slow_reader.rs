//! A client that stops reading pins at most its byte budget of server memory, is closed as a
//! slow consumer, and costs honest clients nothing: every one of their messages is stored and
//! delivered, in order, once.

use banter::ids::Seq;
use std::time::Instant;

use banter::protocol::{CLOSE_SLOW_CONSUMER, ClientFrame, ResumeFrom, ServerFrame};
use futures::StreamExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::support::{Client, PATIENCE, TestServer};

/// The byte budget the test server gives each connection.
const QUEUE_BYTES: usize = 1024 * 1024;
/// A long message: about 3 KB.
fn long_body(tag: &str, n: usize) -> String {
    format!("{tag} {n} {}", "lorem ipsum ".repeat(250))
}

#[tokio::test]
async fn a_reader_that_stops_reading_is_bounded_and_honest_clients_do_not_notice() {
    let server = TestServer::start_with(|c| {
        c.queue_bytes = QUEUE_BYTES;
        c.rate = 1e6;
        c.burst = 1_000_000;
    })
    .await;
    // A history longer, in bytes, than a replay may be: 400 messages of 3 KB.
    let mut seeder = server.join("seeder").await;
    for n in 0..400 {
        seeder.send_message(&format!("s{n}"), &long_body("old", n)).await;
    }
    seeder.ack("s399").await;

    // The slow reader: a tiny receive window, asks for everything from the start.
    let cookie = server.cookie("sloth").await;
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("small receive buffer");
    let stream = socket.connect(server.addr).await.expect("connect");
    let mut request = server.ws_url().into_client_request().expect("url");
    request.headers_mut().insert("cookie", HeaderValue::from_str(&cookie).expect("cookie"));
    let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
    let (ws, _) = tokio_tungstenite::client_async(request, stream).await.expect("upgrade");
    let mut sloth = Client::from_stream(ws);
    sloth.send(&ClientFrame::Hello { room: "general".into(), after: Some(ResumeFrom::Seq(Seq(0))) }).await;
    assert!(matches!(sloth.next().await, ServerFrame::Welcome { .. }));
    // Too far behind in bytes for a replay: it gets the latest page instead, cut to fit.
    let mut page = match sloth.next().await {
        ServerFrame::Messages { resync: true, messages, .. } => messages,
        other => panic!("expected a resync page, got {other:?}"),
    };
    while page.last().map(|m| m.seq) != Some(Seq(400)) {
        match sloth.next().await {
            ServerFrame::Messages { resync: false, messages, .. } => page.extend(messages),
            other => panic!("expected the rest of the page, got {other:?}"),
        }
    }
    assert!(page.len() <= banter::protocol::HISTORY_PAGE, "{} messages", page.len());
    // From here on, the sloth reads nothing.

    let mut honest: Vec<Client> = Vec::new();
    for name in ["ann", "bob"] {
        honest.push(server.join(name).await);
    }
    // The seqs of the messages each honest client has been delivered.
    let mut seen: Vec<Vec<i64>> = vec![Vec::new(); honest.len()];
    let seqs = |frames: Vec<ServerFrame>| {
        frames.into_iter().filter_map(|f| match f {
            ServerFrame::Message(m) => Some(m.seq.0),
            _ => None,
        })
    };
    let mut latencies = Vec::new();
    let mut largest_queue = 0;
    let mut sent = 0;
    let started = Instant::now();
    // Talk until the server has let the sloth go (its socket leaves the count).
    while server.metric("banter_sockets").await == 4 {
        assert!(sent < 5_000, "the slow reader was never closed");
        for (i, client) in honest.iter_mut().enumerate() {
            let id = format!("h{i}-{sent}");
            let at = Instant::now();
            client.send_message(&id, &long_body("live", sent)).await;
            let (ack, skipped) =
                client.until(|f| matches!(f, ServerFrame::Ack { client_id, .. } if *client_id == id)).await;
            latencies.push(at.elapsed());
            assert!(matches!(ack, ServerFrame::Ack { .. }));
            seen[i].extend(seqs(skipped));
        }
        sent += 1;
        largest_queue = largest_queue.max(server.metric("banter_largest_queue_bytes").await);
        assert!(largest_queue <= QUEUE_BYTES, "{largest_queue} bytes queued for one connection");
    }
    let elapsed = started.elapsed();

    // The sloth, reading again, finds what it was sent and then the end of the connection:
    // a close frame (4001) if it got through, else just the end.
    let end = tokio::time::timeout(PATIENCE, async {
        while let Some(message) = sloth.ws.next().await {
            match message {
                Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    })
    .await
    .expect("the connection ends");
    assert!(matches!(end, None | Some(CLOSE_SLOW_CONSUMER)), "{end:?}");

    // Every honest message reached both honest clients, in order, once (the seeder's history
    // and the other's sends interleave; each client checks the gap-free seq stream).
    let total = (400 + 2 * sent) as i64;
    for (client, seen) in honest.iter_mut().zip(&mut seen) {
        while seen.last() != Some(&total) {
            let (frame, _) = client.until(|f| matches!(f, ServerFrame::Message(_))).await;
            seen.extend(seqs(vec![frame]));
        }
        let first = seen[0];
        assert!(first <= 401, "{first}");
        assert_eq!(*seen, (first..=total).collect::<Vec<_>>(), "every message, in order, once");
    }

    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100];
    let p50 = latencies[latencies.len() / 2];
    println!(
        "slow reader: closed after {sent} rounds ({} honest messages of 3 KB) in {elapsed:?}; \
         most bytes queued for one connection {largest_queue} (budget {QUEUE_BYTES}); \
         honest send->ack p50 {p50:?}, p99 {p99:?}",
        2 * sent
    );
}
