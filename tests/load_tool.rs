//! The load tool's accounting against a real server, at a small size.

use banter::load::{Cli, Protocol, Scenario};

use crate::support::{TestServer, fanout_args};

/// A server whose rate limit is far above what the tests offer.
async fn unlimited() -> TestServer {
    TestServer::start_with(|c| {
        c.rate = 1e6;
        c.burst = 1_000_000;
    })
    .await
}

fn cli(server: &TestServer, scenario: Scenario) -> Cli {
    Cli {
        addr: vec![server.addr],
        publish_to: None,
        protocol: Protocol::Banter,
        server_pid: vec![std::process::id()],
        sources: 1,
        json: None,
        scenario,
    }
}

#[tokio::test]
async fn fanout_counts_every_delivery_once_and_nothing_lost() {
    let server = unlimited().await;
    let args = fanout_args(5, 2, 200.0, 1.0, 16);
    let reports = banter::load::run(cli(&server, Scenario::Fanout(args))).await.expect("fanout runs");
    let report = &reports[0];
    assert_eq!(report.sent, 200);
    assert_eq!(report.errors, 0);
    assert_eq!(report.delivered, 5 * 200, "every receiver got every message");
    assert_eq!((report.lost, report.duplicated, report.out_of_order), (0, 0, 0));
    assert!(report.p50_ms > 0.0 && report.p99_ms >= report.p50_ms);
    assert!(report.server_rss_bytes.is_some());
}

#[tokio::test]
async fn fanout_reports_refused_sends_as_errors() {
    // The default rate limit refuses most of this: the tool must say so, not hang.
    let server = TestServer::start_with(|c| {
        c.rate = 1.0;
        c.burst = 5;
    })
    .await;
    let args = fanout_args(2, 1, 100.0, 0.5, 8);
    let reports = banter::load::run(cli(&server, Scenario::Fanout(args))).await.expect("fanout runs");
    let report = &reports[0];
    assert_eq!(report.sent, 50);
    assert!(report.errors >= 40, "rate-limited sends are counted: {}", report.errors);
    assert_eq!(report.delivered, 2 * (report.sent - report.errors));
    assert_eq!(report.lost, 0);
}

#[tokio::test]
async fn ack_measures_latency_and_insert_rate() {
    let server = unlimited().await;
    let reports = banter::load::run(cli(&server, Scenario::Ack { count: 50 })).await.expect("ack runs");
    let report = &reports[0];
    assert!(report.inserts_per_second.is_some_and(|r| r > 0.0));
    assert!(report.p50_ms > 0.0);
}

/// The Socket.IO tutorial's server (`bench/peers/socketio`), run by Node on a free port; killed
/// when dropped.
struct SocketIoPeer {
    addr: std::net::SocketAddr,
    process: std::process::Child,
}

impl SocketIoPeer {
    async fn start() -> Self {
        use std::io::BufRead;
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/peers/socketio/server.js");
        let mut process = std::process::Command::new("node")
            .args([script, "0"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("node runs (scripts/bootstrap.sh installs it and the peer's packages)");
        let stdout = process.stdout.take().expect("piped stdout");
        let read = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            std::io::BufReader::new(stdout).read_line(&mut line).map(|_| line)
        });
        let line = tokio::time::timeout(crate::support::PATIENCE, read)
            .await
            .expect("the peer starts in time")
            .expect("the reader finishes")
            .expect("the peer writes its address");
        let addr = line.trim().strip_prefix("listening on ").and_then(|a| a.parse().ok());
        let addr = addr.unwrap_or_else(|| panic!("the peer's first line names its address: {line:?}"));
        Self { addr, process }
    }

    fn cli(&self, scenario: Scenario) -> Cli {
        Cli {
            addr: vec![self.addr],
            publish_to: None,
            protocol: Protocol::SocketIo,
            server_pid: vec![self.process.id()],
            sources: 1,
            json: None,
            scenario,
        }
    }
}

impl Drop for SocketIoPeer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[tokio::test]
async fn the_socketio_peer_is_measured_with_the_same_accounting() {
    let peer = SocketIoPeer::start().await;
    let args = fanout_args(5, 2, 200.0, 1.0, 16);
    let reports = banter::load::run(peer.cli(Scenario::Fanout(args))).await.expect("fanout runs");
    let report = &reports[0];
    assert_eq!(report.sent, 200);
    assert_eq!(report.delivered, 5 * 200, "every receiver got every message once");
    assert_eq!((report.lost, report.duplicated, report.out_of_order), (0, 0, 0));
    assert!(report.p99_ms >= report.p50_ms && report.p50_ms > 0.0);
    assert!(report.server_cpu_seconds.is_some(), "Node's CPU time is read from its pid");

    let idle = Scenario::Idle { connections: 20, hold: 0, join: false };
    let reports = banter::load::run(peer.cli(idle)).await.expect("idle runs");
    assert!(reports[0].rss_per_connection.is_some(), "Node's memory is read from its pid");
}

#[tokio::test]
async fn the_socketio_peer_has_no_acks_to_measure() {
    let peer = SocketIoPeer::start().await;
    let error = banter::load::run(peer.cli(Scenario::Ack { count: 1 })).await.expect_err("refused");
    assert!(error.to_string().contains("acknowledges nothing"), "{error}");
}
