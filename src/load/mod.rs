//! `banter-load`: drives a running Banter server over its documented protocol and reports
//! what a user would feel: delivered messages per second, loss, duplicates, order, latency,
//! and the server's memory and CPU.
//!
//! Open loop: publishers send on a fixed schedule and each message carries the time it was
//! *due*, not the time it went out, so a server that falls behind shows it as latency instead
//! of quietly slowing the senders down (no coordinated omission).
//!
//! Cheap by design, so that it measures the server rather than itself: fan-out receivers are
//! library-free sockets that take every frame a read holds and find only `seq` and the send
//! time in each (`raw_socket`), keep a per-receiver histogram merged at the end, and remember
//! only the gaps in the `seq` stream (`accounting`). And it watches itself: when its own CPU
//! time passes [`SELF_CPU_LIMIT`] of the run, the report says the figure is the tool's, not
//! the server's.
//!
//! The server must be started with a rate limit above the offered load, e.g.
//! `--rate 1000000 --burst 1000000`; otherwise publishers get `rate_limited`.
//!
//! `--protocol socketio` runs the same idle and fan-out scenarios against the Socket.IO chat
//! tutorial's server (`bench/peers/socketio`), so `make bench` can put the two side by side.
//!
//! # Layout
//! - `fanout`: the fan-out scenario (receivers, publishers, the run's accounting); the idle,
//!   ramp and ack scenarios are here.
//! - [`raw_socket`]: the library-free receiving WebSocket; [`client`]: sign-up and the
//!   library socket the publishers use; [`socketio`]: the peer's protocol.
//! - [`accounting`]: loss, duplicates and order per stream; [`report`]: the results;
//!   [`process`]: a process's CPU time and memory.

pub mod accounting;
pub mod client;
mod fanout;
pub mod process;
pub mod raw_socket;
pub mod report;
pub mod socketio;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand, ValueEnum};
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio_tungstenite::tungstenite::Message;

use fanout::fanout;
use raw_socket::RawSocket;
use report::Report;

#[derive(Debug, Parser)]
#[command(name = "banter-load", about = "Load generator and benchmark for a Banter server")]
pub struct Cli {
    /// The server's address; several, comma-separated, for the nodes of one server (receiving
    /// connections are spread over them in turn).
    #[arg(long, default_value = "127.0.0.1:3000", value_delimiter = ',')]
    pub addr: Vec<SocketAddr>,
    /// Where publishers (and the other sending connections) connect; default: the first
    /// `--addr`. With receivers on another node this measures cross-node delivery.
    #[arg(long)]
    pub publish_to: Option<SocketAddr>,
    /// What the server speaks: Banter, or the Socket.IO tutorial's server
    /// (`bench/peers/socketio`) for the side-by-side benchmark.
    #[arg(long, value_enum, default_value_t = Protocol::Banter)]
    pub protocol: Protocol,
    /// The server's process ids, to report their memory and CPU time, summed: one, or
    /// several separated by commas (every node of a cluster, and Redis if it should count).
    #[arg(long, value_delimiter = ',')]
    pub server_pid: Vec<u32>,
    /// Spread connections over this many source addresses 127.0.0.1, 127.0.0.2, …
    #[arg(long, default_value_t = 1)]
    pub sources: u8,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    pub json: Option<std::path::PathBuf>,
    #[command(subcommand)]
    pub scenario: Scenario,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Protocol {
    /// Banter's protocol (docs/protocol.md).
    Banter,
    /// Engine.IO 4 / Socket.IO 5 over a WebSocket, as the Socket.IO chat tutorial's server
    /// speaks it (`socketio`).
    #[value(name = "socketio")]
    SocketIo,
}

#[derive(Debug, Subcommand)]
pub enum Scenario {
    /// Open N connections, hold them, report server memory per connection.
    Idle {
        #[arg(long, default_value_t = 1000)]
        connections: usize,
        /// Seconds to hold them open once all are connected.
        #[arg(long, default_value_t = 5)]
        hold: u64,
        /// Also join the room (each join is announced to everyone already in it).
        #[arg(long)]
        join: bool,
    },
    /// N receivers in one room, P publishers at a fixed total rate for D seconds.
    Fanout(FanoutArgs),
    /// Raise the rate step by step until p99 passes the SLO or anything is lost.
    Ramp {
        #[command(flatten)]
        fanout: FanoutArgs,
        /// Each step multiplies the rate by this.
        #[arg(long, default_value_t = 1.5)]
        factor: f64,
        /// p99 latency objective in milliseconds.
        #[arg(long, default_value_t = 50.0)]
        slo_ms: f64,
        /// Most steps to try.
        #[arg(long, default_value_t = 12)]
        steps: usize,
    },
    /// One sender: send→ack latency one at a time, then the insert rate of a pipelined burst.
    Ack {
        #[arg(long, default_value_t = 1000)]
        count: usize,
    },
}

#[derive(Debug, Clone, Args)]
pub struct FanoutArgs {
    #[arg(long, default_value_t = 100)]
    pub clients: usize,
    #[arg(long, default_value_t = 1)]
    pub publishers: usize,
    /// Messages per second, all publishers together.
    #[arg(long, default_value_t = 100.0)]
    pub rate: f64,
    /// Seconds of sending.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Bytes of padding in each message body.
    #[arg(long, default_value_t = 64)]
    pub size: usize,
    /// Seconds to wait for the last deliveries after sending stops.
    #[arg(long, default_value_t = 10.0)]
    pub drain: f64,
    /// Receivers sign in with these session cookies (`banter_session=…`, one per line), in
    /// turn: a room of that many people rather than one person's many connections
    /// (`banter-scale-bench members` makes them).
    #[arg(long)]
    pub sessions: Option<std::path::PathBuf>,
}

pub async fn run(cli: Cli) -> anyhow::Result<Vec<Report>> {
    let Some(&first) = cli.addr.first() else { anyhow::bail!("--addr names no server") };
    let target = Target {
        addr: cli.publish_to.unwrap_or(first),
        receive_at: cli.addr,
        protocol: cli.protocol,
        server_pids: cli.server_pid,
        sources: cli.sources.max(1),
    };
    let reports = match cli.scenario {
        Scenario::Idle { connections, hold, join } => vec![idle(&target, connections, hold, join).await?],
        Scenario::Fanout(args) => vec![fanout(&target, &args).await?],
        Scenario::Ramp { fanout: args, factor, slo_ms, steps } => {
            ramp(&target, args, factor, slo_ms, steps).await?
        }
        Scenario::Ack { count } => vec![ack(&target, count).await?],
    };
    report::print(&reports);
    if let Some(path) = cli.json {
        std::fs::write(&path, serde_json::to_string_pretty(&reports)?)?;
        eprintln!("results written to {}", path.display());
    }
    Ok(reports)
}

/// A signed-up account the tool connects as.
struct Account {
    username: String,
    cookie: String,
}

struct Target {
    /// Where accounts are made and sending connections go.
    addr: SocketAddr,
    /// Where receiving connections go, in turn.
    receive_at: Vec<SocketAddr>,
    protocol: Protocol,
    server_pids: Vec<u32>,
    sources: u8,
}

impl Target {
    fn source(&self, i: usize) -> Option<IpAddr> {
        (self.sources > 1)
            .then(|| IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + (i % usize::from(self.sources)) as u8)))
    }

    fn usage(&self) -> Option<process::Usage> {
        process::usage_of_all(&self.server_pids)
    }

    /// A new account for this run, named `{role}-{random}`; its session cookie.
    async fn account(&self, role: &str) -> anyhow::Result<Account> {
        let username = format!("{role}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let cookie = client::sign_up(self.addr, &username).await?;
        Ok(Account { username, cookie })
    }

    /// Open `n` sockets as `account` (optionally joined); with the room's latest `seq` at each
    /// join.
    async fn open(
        &self,
        n: usize,
        join: bool,
        account: &Account,
    ) -> anyhow::Result<Vec<(client::Socket, i64)>> {
        open_many(n, |i| async move {
            let mut ws = client::connect(self.addr, self.source(i), &account.cookie).await?;
            let latest = if join { client::join(&mut ws).await? } else { 0 };
            anyhow::Ok((ws, latest))
        })
        .await
    }

    /// Open `n` receiving sockets as `account` (library-free, [`raw_socket`]), each joined to
    /// the room; with the room's latest `seq` at each join.
    /// Open `n` joined receiving sockets, signed in with `cookies` in turn (one person's many
    /// tabs with one cookie; a room of that many people with one cookie each).
    async fn open_receivers(&self, n: usize, cookies: &[String]) -> anyhow::Result<Vec<(RawSocket, i64)>> {
        anyhow::ensure!(!cookies.is_empty(), "no session to receive as");
        let hello = client::hello_text();
        let hello = &hello;
        open_many(n, |i| async move {
            let at = self.receive_at.get(i % self.receive_at.len().max(1)).copied().unwrap_or(self.addr);
            let mut socket = RawSocket::connect(at, self.source(i), &cookies[i % cookies.len()]).await?;
            let latest = socket.join(hello).await?;
            anyhow::Ok((socket, latest))
        })
        .await
    }

    /// Open `n` sockets to the Socket.IO peer's main namespace.
    async fn open_socketio(&self, n: usize) -> anyhow::Result<Vec<RawSocket>> {
        open_many(n, |i| socketio::connect(self.addr, self.source(i))).await
    }
}

/// Run `open_one` for connections `0..n`, a few hundred handshakes at a time, reporting progress.
async fn open_many<T, F, Fut>(n: usize, open_one: F) -> anyhow::Result<Vec<T>>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut sockets = Vec::with_capacity(n);
    let started = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(256) {
        for socket in futures::future::join_all(chunk.iter().map(|&i| open_one(i))).await {
            sockets.push(socket?);
        }
        progress(format_args!("connected {}/{n}", sockets.len()));
    }
    progress(format_args!("connected {n} in {:.1}s\n", started.elapsed().as_secs_f64()));
    Ok(sockets)
}

/// Above this share of one core, the load tool may be what limits a run (`Report::load_limited`).
pub const SELF_CPU_LIMIT: f64 = 0.85;

/// Longest the fan-out warm-up (every join announced to everyone) may take.
const WARM_UP_LIMIT: Duration = Duration::from_secs(60);

fn progress(message: std::fmt::Arguments<'_>) {
    eprint!("\r{message}   ");
}

fn unix_ns() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

fn histogram() -> Histogram<u64> {
    // Microseconds, 1 µs to 100 s, 3 significant digits.
    Histogram::new_with_bounds(1, 100_000_000, 3).unwrap_or_else(|_| unreachable!("valid bounds"))
}

async fn idle(target: &Target, connections: usize, hold: u64, join: bool) -> anyhow::Result<Report> {
    let (banter_sockets, socketio_sockets, before);
    match target.protocol {
        Protocol::Banter => {
            let account = target.account("idle").await?;
            before = target.usage();
            banter_sockets = target.open(connections, join, &account).await?;
            socketio_sockets = Vec::new();
        }
        // Connected to the main namespace, which is the tutorial's room: it has no other.
        Protocol::SocketIo => {
            before = target.usage();
            socketio_sockets = target.open_socketio(connections).await?;
            banter_sockets = Vec::new();
        }
    }
    // Let the server settle (joins announced, buffers released) before reading its memory,
    // and read what holding them costs it in CPU meanwhile (pings, timers). Shorter than
    // Socket.IO's heartbeat: no socket is dropped for not answering it.
    let held = target.usage();
    tokio::time::sleep(Duration::from_secs(hold)).await;
    let after = target.usage();
    drop((banter_sockets, socketio_sockets));
    let mut report = Report::new("idle");
    report.connections = connections;
    if let (Some(before), Some(after)) = (before, after) {
        report.server_rss_bytes = Some(after.rss_bytes);
        report.rss_per_connection =
            Some(after.rss_bytes.saturating_sub(before.rss_bytes) as f64 / connections as f64);
    }
    if let (Some(held), Some(after)) = (held, after) {
        report.seconds = hold as f64;
        report.server_cpu_seconds = Some(after.cpu_seconds - held.cpu_seconds);
    }
    Ok(report)
}

async fn ramp(
    target: &Target,
    mut args: FanoutArgs,
    factor: f64,
    slo_ms: f64,
    steps: usize,
) -> anyhow::Result<Vec<Report>> {
    let mut reports: Vec<Report> = Vec::new();
    for _ in 0..steps {
        let mut report = fanout(target, &args).await?;
        report.scenario = "ramp".to_owned();
        let passed = report.p99_ms <= slo_ms && report.lost == 0 && report.duplicated == 0;
        report.passed = Some(passed);
        reports.push(report);
        if !passed {
            break;
        }
        args.rate *= factor;
    }
    if let Some(best) =
        reports.iter().filter(|r| r.passed == Some(true)).map(|r| r.deliveries_per_second).reduce(f64::max)
    {
        eprintln!("highest passing: {best:.0} deliveries/s (p99 ≤ {slo_ms} ms, nothing lost)");
    }
    Ok(reports)
}

async fn ack(target: &Target, count: usize) -> anyhow::Result<Report> {
    anyhow::ensure!(target.protocol == Protocol::Banter, "Socket.IO's tutorial server acknowledges nothing");
    let account = target.account("acker").await?;
    let mut sockets = target.open(1, true, &account).await?;
    let (mut ws, _) = sockets.pop().ok_or_else(|| anyhow::anyhow!("no connection"))?;
    let tag = unix_ns();
    let mut latency = histogram();
    // One at a time: the full round trip through validation, commit and broadcast.
    for k in 0..count {
        let sent = Instant::now();
        ws.send(client::send_frame(&format!("a{tag}-{k}"), format!("ack probe {k}"))).await?;
        wait_for_ack(&mut ws).await?;
        latency.record((sent.elapsed().as_micros() as u64).max(1)).ok();
    }
    // Pipelined: how fast the store takes messages when they queue up (group commit).
    let started = Instant::now();
    let (mut write, mut read) = ws.split();
    let burst = tokio::spawn(async move {
        for k in 0..count {
            write.feed(client::send_frame(&format!("b{tag}-{k}"), format!("burst {k}"))).await?;
        }
        write.flush().await?;
        anyhow::Ok(write)
    });
    let mut acked = 0;
    while acked < count {
        match read.next().await {
            Some(Ok(Message::Text(text))) => {
                if client::peek(text.as_str()).is_some_and(|f| f.kind == "ack" || f.kind == "error") {
                    acked += 1;
                }
            }
            Some(Ok(_)) => {}
            _ => anyhow::bail!("connection ended during the burst"),
        }
    }
    let _write_half = burst.await??;
    let burst_seconds = started.elapsed().as_secs_f64();
    let mut report = Report::new("ack");
    report.connections = 1;
    report.sent = (count * 2) as u64;
    report.seconds = burst_seconds;
    report.inserts_per_second = Some(count as f64 / burst_seconds);
    report.set_latency(&latency);
    Ok(report)
}

async fn wait_for_ack(ws: &mut client::Socket) -> anyhow::Result<()> {
    while let Some(message) = ws.next().await {
        if let Message::Text(text) = message? {
            match client::peek(text.as_str()).map(|f| f.kind) {
                Some("ack") => return Ok(()),
                Some("error") => anyhow::bail!("server refused: {}", text.as_str()),
                _ => {}
            }
        }
    }
    anyhow::bail!("connection closed while waiting for an ack")
}
