//! `banter-push-bench`: the Web Push figures in docs/benchmarks.md.
//!
//! Runs a server in this process on a fresh store with `--devices` accounts, each with one
//! subscribed device pointing at a push service this tool also runs on 127.0.0.1, and no page
//! open. A sender posts `--messages` messages to #general, one at a time; for each, the tool
//! times every push from the message's commit (the sender's ack) to its arrival at the push
//! service, and the delivery of the message to one open page (a socket joined to #general).
//! The same messages are first sent with every device muted, to compare that page's latency
//! without pushes.
//!
//! Run it on the release build: `make bench-push`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use banter::load::client::{connect, join, peek, send_frame, sign_up};
use banter::notifications::NotifyLevel;
use banter::server::{AppState, Config, Store};
use clap::Parser;
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser)]
struct Cli {
    /// Subscribed devices (one per account), none with a page open.
    #[arg(long, default_value_t = 1_000)]
    devices: usize,
    /// Messages sent in each phase.
    #[arg(long, default_value_t = 20)]
    messages: usize,
    /// Leptos.toml, for the server's site options.
    #[arg(long, default_value = "Leptos.toml")]
    leptos_config: String,
}

/// A device's keys: one pair for all (every push is still encrypted and signed on its own).
const P256DH: &str =
    "BLn9b-VR0ca83knDNZ32dCHGyjJp-1riX9ZTN40MqV8K_LpQmLqxC_DoHvqvFXO_nGdAB4W9dogZb_sM-uV4JbY";
const AUTH: &str = "_ordMnz7uTCmrpBTeUV4Bw";
/// How long to wait for a phase's pushes before calling them lost.
const PATIENCE: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let dir = std::env::temp_dir().join(format!("banter-push-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run(&cli, &dir).await;
    std::fs::remove_dir_all(&dir)?;
    result
}

async fn run(cli: &Cli, dir: &std::path::Path) -> anyhow::Result<()> {
    // The push service: records when each push arrives.
    let (arrived, mut arrivals) = mpsc::unbounded_channel::<Instant>();
    let service = Router::new().route(
        "/push/{device}",
        post(move || {
            let arrived = arrived.clone();
            async move {
                let _ = arrived.send(Instant::now());
                StatusCode::CREATED
            }
        }),
    );
    let service_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let service_addr = service_listener.local_addr()?;
    tokio::spawn(async move { axum::serve(service_listener, service).await });

    let db = dir.join("bench.db");
    let store = Store::open(&db).await?;
    let mut devices = Vec::with_capacity(cli.devices);
    for i in 0..cli.devices {
        let user = store.create_user(&format!("device{i}"), "-", &format!("Device {i}")).await?;
        let general =
            store.room_for(user.id, "general").await?.ok_or_else(|| anyhow::anyhow!("no general"))?;
        store.join_public(&general, user.id).await?;
        store.subscribe(user.id, &format!("http://{service_addr}/push/{i}"), P256DH, AUTH).await?;
        devices.push((general.id, user.id));
    }

    let mut config = Config::with_db(db);
    config.push_allow_http = true;
    // The push service is this machine's own: let the outbound guard call it.
    config.outbound_allow = vec![service_addr.ip().into()];
    config.rate = 1e9;
    config.burst = u32::MAX;
    let options = leptos::config::get_configuration(Some(&cli.leptos_config))?.leptos_options;
    let state = AppState::new(options, config, store.clone()).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(banter::server::serve(state, listener, async move {
        let _ = stopped.await;
    }));

    let mut sender = open_page(addr, "sender").await?;
    let mut watcher = open_page(addr, "watcher").await?;

    for (room, user) in &devices {
        store.set_notify_level(*room, *user, NotifyLevel::Nothing).await?;
    }
    let quiet = phase(cli, &mut sender, &mut watcher, &mut arrivals, 0, "q").await?;
    for (room, user) in &devices {
        store.set_notify_level(*room, *user, NotifyLevel::All).await?;
    }
    let loud = phase(cli, &mut sender, &mut watcher, &mut arrivals, cli.devices, "l").await?;

    println!("{} devices, {} messages per phase", cli.devices, cli.messages);
    println!("{:<44} {:>9} {:>9} {:>9}", "", "p50 ms", "p99 ms", "max ms");
    report("open page: send -> delivered, no pushes", quiet.page);
    report("open page: send -> delivered, with pushes", loud.page);
    report("push: commit (ack) -> arrived at the service", loud.push);
    let _ = stop.send(());
    server.await??;
    Ok(())
}

/// A signed-up account's socket joined to #general.
async fn open_page(addr: SocketAddr, name: &str) -> anyhow::Result<banter::load::client::Socket> {
    let cookie = sign_up(addr, name).await?;
    let mut socket = connect(addr, None, &cookie).await?;
    join(&mut socket).await?;
    Ok(socket)
}

struct Timings {
    page: Vec<f64>,
    push: Vec<f64>,
}

/// Send the messages one at a time; each waits for its ack, its delivery to the open page and
/// `pushes` pushes.
async fn phase(
    cli: &Cli,
    sender: &mut banter::load::client::Socket,
    watcher: &mut banter::load::client::Socket,
    arrivals: &mut mpsc::UnboundedReceiver<Instant>,
    pushes: usize,
    tag: &str,
) -> anyhow::Result<Timings> {
    use futures::SinkExt;
    let mut timings = Timings { page: Vec::new(), push: Vec::new() };
    for m in 0..cli.messages {
        let id = format!("{tag}{m}");
        let sent = Instant::now();
        sender.send(send_frame(&id, format!("message {m}"))).await?;
        // The sender's own copy of the message comes first and is passed over.
        let acked = until(sender, "ack").await?;
        let delivered = until(watcher, "message").await?;
        timings.page.push(ms(delivered - sent));
        for _ in 0..pushes {
            let at = tokio::time::timeout(PATIENCE, arrivals.recv())
                .await?
                .ok_or_else(|| anyhow::anyhow!("service gone"))?;
            timings.push.push(ms(at.saturating_duration_since(acked)));
        }
    }
    Ok(timings)
}

/// Read `socket` until a frame of `kind`; when it came.
async fn until(socket: &mut banter::load::client::Socket, kind: &str) -> anyhow::Result<Instant> {
    while let Some(message) = tokio::time::timeout(PATIENCE, socket.next()).await? {
        if let Message::Text(text) = message?
            && peek(text.as_str()).is_some_and(|frame| frame.kind == kind)
        {
            return Ok(Instant::now());
        }
    }
    anyhow::bail!("socket closed waiting for {kind}")
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn report(what: &str, mut samples: Vec<f64>) {
    if samples.is_empty() {
        return println!("{what:<44} (none)");
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!("{what:<44} {:>9.2} {:>9.2} {:>9.2}", at(0.5), at(0.99), at(1.0));
}
