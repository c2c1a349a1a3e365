//! The load tool's accounting against a real server, at a small size.

use banter::load::{Cli, FanoutArgs, Scenario};

use crate::support::TestServer;

/// A server whose rate limit is far above what the tests offer.
async fn unlimited() -> TestServer {
    TestServer::start_with(|c| {
        c.rate = 1e6;
        c.burst = 1_000_000;
    })
    .await
}

fn cli(server: &TestServer, scenario: Scenario) -> Cli {
    Cli { addr: server.addr, server_pid: Some(std::process::id()), sources: 1, json: None, scenario }
}

#[tokio::test]
async fn fanout_counts_every_delivery_once_and_nothing_lost() {
    let server = unlimited().await;
    let args = FanoutArgs { clients: 5, publishers: 2, rate: 200.0, duration: 1.0, size: 16, drain: 10.0 };
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
    let args = FanoutArgs { clients: 2, publishers: 1, rate: 100.0, duration: 0.5, size: 8, drain: 10.0 };
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
