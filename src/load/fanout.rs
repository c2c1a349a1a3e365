//! The fan-out scenario: N receivers in one room, P publishers at a fixed total rate.
//!
//! Open loop: each publisher sends on a fixed schedule and each message carries the time it
//! was due, so a server that falls behind shows it as latency. Receivers take every frame a
//! read holds and record each delivery in a [`Ledger`] per stream of numbered messages: one
//! for Banter (the room's `seq`), one per publisher for Socket.IO (which numbers nothing).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use super::accounting::Ledger;
use super::raw_socket::{self, Frame, RawSocket};
use super::report::Report;
use super::{
    FanoutArgs, Protocol, Target, WARM_UP_LIMIT, client, histogram, process, progress, socketio, unix_ns,
};

/// The publishers' sockets: Banter's acknowledge each send; Socket.IO's are relayed to as well.
enum Publishers {
    Banter(Vec<client::Socket>),
    SocketIo(Vec<RawSocket>),
}

/// When publisher `p`'s messages are due: `total` of them, one per `interval_ns`.
#[derive(Clone, Copy)]
struct Schedule {
    first_due_ns: i64,
    interval_ns: i64,
    total: u64,
}

impl Schedule {
    fn due(&self, k: u64) -> i64 {
        self.first_due_ns + k as i64 * self.interval_ns
    }
}

/// What every receiver watches to know when to stop: per stream, the last number sent
/// (`i64::MAX` while publishing), and the drain deadline.
struct Finish {
    last: Vec<AtomicI64>,
    stop: AtomicBool,
    changed: Notify,
}

impl Finish {
    fn reached(&self, ledgers: &[Ledger]) -> bool {
        self.stop.load(Ordering::Relaxed)
            || ledgers.iter().zip(&self.last).all(|(l, last)| l.highest() >= last.load(Ordering::Relaxed))
    }
}

pub(super) async fn fanout(target: &Target, args: &FanoutArgs) -> anyhow::Result<Report> {
    let publisher_count = args.publishers.max(1);
    // Receivers are one person with many connections and so are publishers: a person's
    // first connection is announced to the room, later ones are not, so joining costs no
    // N² presence storm. With `--sessions` they are as many people (the members curve), and
    // what their joins cost is part of the warm-up. Measuring starts once each receiver has
    // read the announcement of the publishers, which the server sends after every receiver's
    // join: from then on its queue holds messages only. In a room of more than
    // `PRESENCE_LINES_UP_TO` people the server announces counts, not names: there the
    // announcement is a count that includes everyone. Socket.IO announces nothing: its
    // receivers are ready once connected.
    let (receivers, publishers, last_joiner, streams) = match target.protocol {
        Protocol::Banter => {
            let cookies = match &args.sessions {
                Some(path) => std::fs::read_to_string(path)?.lines().map(str::to_owned).collect(),
                None => vec![target.account("recv").await?.cookie],
            };
            let publishing = target.account("pub").await?;
            let receivers = target.open_receivers(args.clients, &cookies).await?;
            let publishers = target.open(publisher_count, true, &publishing).await?;
            let publishers = Publishers::Banter(publishers.into_iter().map(|(ws, _)| ws).collect());
            let everyone = cookies.len().min(args.clients) + 1;
            (receivers, publishers, Some(Announcement { name: publishing.username, everyone }), 1)
        }
        Protocol::SocketIo => {
            let receivers = target.open_socketio(args.clients).await?;
            let publishers = Publishers::SocketIo(target.open_socketio(publisher_count).await?);
            (receivers.into_iter().map(|socket| (socket, 0)).collect(), publishers, None, publisher_count)
        }
    };
    let start_seq = receivers.iter().map(|(_, latest)| *latest).max().unwrap_or(0);
    let warmed_up = Arc::new(tokio::sync::Barrier::new(args.clients + 1));
    let delivered = Arc::new(AtomicU64::new(0));
    let finish = Arc::new(Finish {
        last: (0..streams).map(|_| AtomicI64::new(i64::MAX)).collect(),
        stop: AtomicBool::new(false),
        changed: Notify::new(),
    });

    let receiver_tasks: Vec<_> = receivers
        .into_iter()
        .map(|(socket, latest)| {
            let ledgers = vec![Ledger::after(latest); streams];
            let receiver = Receiver { socket, ledgers, latency: histogram(), protocol: target.protocol };
            tokio::spawn(receiver.run(
                last_joiner.clone(),
                warmed_up.clone(),
                finish.clone(),
                delivered.clone(),
            ))
        })
        .collect();
    let warming = Instant::now();
    warmed_up.wait().await;
    progress(format_args!("every receiver heard every join in {:.1}s\n", warming.elapsed().as_secs_f64()));
    let usage_before = target.usage();
    let own_before = process::usage(std::process::id());

    // Publishers: open loop, spread over one interval so their sends do not line up.
    let per_publisher = args.rate / publisher_count as f64;
    let interval_ns = (1e9 / per_publisher.max(1e-9)) as i64;
    let started_ns = unix_ns();
    let schedule = |p: usize| Schedule {
        first_due_ns: started_ns + interval_ns * p as i64 / publisher_count as i64,
        interval_ns,
        total: (per_publisher * args.duration).round() as u64,
    };
    let padding = "x".repeat(args.size);
    let started = Instant::now();
    let errors = Arc::new(AtomicU64::new(0));
    let max_acked = Arc::new(AtomicI64::new(start_seq));
    // Publishers' sockets stay open until every receiver is done (see `publish_socketio`).
    let finished_publishers = Arc::new(std::sync::Mutex::new(Vec::new()));
    let publisher_tasks: Vec<JoinHandle<u64>> = match publishers {
        Publishers::Banter(sockets) => sockets
            .into_iter()
            .enumerate()
            .map(|(p, ws)| {
                let acks = (errors.clone(), max_acked.clone());
                tokio::spawn(publish_banter(ws, p, schedule(p), padding.clone(), acks))
            })
            .collect(),
        Publishers::SocketIo(sockets) => sockets
            .into_iter()
            .enumerate()
            .map(|(p, socket)| {
                let done = finished_publishers.clone();
                tokio::spawn(publish_socketio(socket, p, schedule(p), padding.clone(), done))
            })
            .collect(),
    };

    let ticker = {
        let delivered = delivered.clone();
        tokio::spawn(async move {
            let mut last = 0;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let now = delivered.load(Ordering::Relaxed);
                progress(format_args!("delivered {now} ({}/s)", now - last));
                last = now;
            }
        })
    };

    let mut sent = 0;
    for (p, task) in publisher_tasks.into_iter().enumerate() {
        let sent_by_p = task.await?;
        sent += sent_by_p;
        // Socket.IO: publisher p's stream ends at its last number.
        if target.protocol == Protocol::SocketIo {
            finish.last[p].store(sent_by_p as i64, Ordering::Relaxed);
        }
    }
    let send_seconds = started.elapsed().as_secs_f64();
    // Banter: the room's stream ends at the last acknowledged seq.
    if target.protocol == Protocol::Banter {
        finish.last[0].store(max_acked.load(Ordering::Relaxed), Ordering::Relaxed);
    }
    let last: Vec<i64> = finish.last.iter().map(|l| l.load(Ordering::Relaxed)).collect();
    finish.changed.notify_waiters();
    // Receivers stop on their own at the last message; the drain time bounds the wait.
    let drain_seconds = args.drain.max(0.0);
    let drain = {
        let finish = finish.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs_f64(drain_seconds)).await;
            finish.stop.store(true, Ordering::Relaxed);
            finish.changed.notify_waiters();
        })
    };
    let mut latency = histogram();
    let mut report = Report::new("fanout");
    for task in receiver_tasks {
        let (ledgers, histogram) = task.await?;
        latency.add(&histogram).ok();
        for (ledger, &last) in ledgers.iter().zip(&last) {
            report.lost += ledger.lost(last);
            report.duplicated += ledger.duplicated;
            report.out_of_order += ledger.out_of_order;
            report.delivered += ledger.received;
        }
    }
    drain.abort();
    ticker.abort();
    eprintln!();
    let elapsed = started.elapsed().as_secs_f64();
    let usage_after = target.usage();

    report.connections = args.clients + publisher_count;
    report.offered_rate = args.rate;
    report.sent = sent;
    report.errors = errors.load(Ordering::Relaxed);
    report.seconds = elapsed;
    report.deliveries_per_second =
        report.delivered as f64 / send_seconds.max(elapsed.min(send_seconds + 1.0));
    report.set_latency(&latency);
    if let (Some(before), Some(after)) = (usage_before, usage_after) {
        report.server_cpu_seconds = Some(after.cpu_seconds - before.cpu_seconds);
        report.server_rss_bytes = Some(after.rss_bytes);
    }
    if let (Some(before), Some(after)) = (own_before, process::usage(std::process::id())) {
        report.set_load_cpu(after.cpu_seconds - before.cpu_seconds, elapsed);
    }
    Ok(report)
}

/// One receiving socket and what it has seen.
struct Receiver {
    socket: RawSocket,
    ledgers: Vec<Ledger>,
    latency: Histogram<u64>,
    protocol: Protocol,
}

impl Receiver {
    /// Wait for the warm-up, then record every delivery and its latency until the last
    /// message of every stream (or the drain time).
    async fn run(
        mut self,
        last_joiner: Option<Announcement>,
        warmed_up: Arc<tokio::sync::Barrier>,
        finish: Arc<Finish>,
        delivered: Arc<AtomicU64>,
    ) -> (Vec<Ledger>, Histogram<u64>) {
        let warm = match &last_joiner {
            Some(last) => tokio::time::timeout(WARM_UP_LIMIT, self.announced(last)).await.unwrap_or(false),
            None => true,
        };
        warmed_up.wait().await;
        if !warm {
            return (self.ledgers, self.latency);
        }
        let Self { mut socket, mut ledgers, mut latency, protocol } = self;
        let woken = finish.changed.notified();
        tokio::pin!(woken);
        loop {
            woken.as_mut().enable();
            if finish.reached(&ledgers) {
                break;
            }
            let before: u64 = ledgers.iter().map(|l| l.received).sum();
            // All frames of one read arrived at once: one clock reading serves them all.
            let mut arrived = None;
            tokio::select! {
                biased;
                read = socket.read_frames(|frame| {
                    let Frame::Text(text) = frame else { return };
                    let Some((stream, number, due)) = delivery(protocol, text) else { return };
                    let Some(ledger) = ledgers.get_mut(stream) else { return };
                    ledger.record(number);
                    if let Some(due) = due {
                        let now = *arrived.get_or_insert_with(unix_ns);
                        let micros = ((now - due) / 1_000).max(1) as u64;
                        let _ = latency.record(micros.min(latency.high()));
                    }
                }) => {
                    if !matches!(read, Ok(true)) { break }
                }
                () = &mut woken => woken.set(finish.changed.notified()),
            }
            let after: u64 = ledgers.iter().map(|l| l.received).sum();
            delivered.fetch_add(after - before, Ordering::Relaxed);
        }
        (ledgers, latency)
    }

    /// Read until the server announces the last to join (by name, or in a crowded room by a
    /// count that includes everyone); `false` if the socket closed first.
    async fn announced(&mut self, last: &Announcement) -> bool {
        let mut seen = false;
        while !seen {
            let open = self
                .socket
                .read_frames(|frame| {
                    let Frame::Text(text) = frame else { return };
                    let Some(presence) = client::peek_presence(text) else { return };
                    seen |= presence.name == last.name
                        || presence.event == "count" && presence.online >= last.everyone;
                })
                .await;
            if !matches!(open, Ok(true)) {
                return false;
            }
        }
        true
    }
}

/// Who joins the room last (the publishers' person), and how many people are online then.
#[derive(Clone)]
struct Announcement {
    name: String,
    everyone: usize,
}

/// A delivered message's stream, number in that stream and due time, in `protocol`.
fn delivery(protocol: Protocol, text: &str) -> Option<(usize, i64, Option<i64>)> {
    match protocol {
        Protocol::Banter => raw_socket::message_seq_and_due(text).map(|(seq, due)| (0, seq, due)),
        Protocol::SocketIo => socketio::delivery(text).map(|(p, k, due)| (p, k, Some(due))),
    }
}

/// Send on `schedule` through a Banter socket, counting acknowledgements (`errors` counts
/// refusals, `max_acked` the highest `seq` given); how many were acknowledged or refused.
async fn publish_banter(
    ws: client::Socket,
    p: usize,
    schedule: Schedule,
    padding: String,
    (errors, max_acked): (Arc<AtomicU64>, Arc<AtomicI64>),
) -> u64 {
    let (mut write, mut read) = ws.split();
    let total = schedule.total;
    let acks = tokio::spawn(async move {
        let mut acked = 0u64;
        while acked < total {
            let text = match read.next().await {
                Some(Ok(Message::Text(text))) => text,
                // Transport pings and the like: not the end of the stream.
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => break,
            };
            if let Some(frame) = client::peek(text.as_str()) {
                match frame.kind {
                    "ack" => {
                        acked += 1;
                        max_acked.fetch_max(frame.seq.unwrap_or(0), Ordering::Relaxed);
                    }
                    "error" => {
                        acked += 1;
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {}
                }
            }
        }
        acked
    });
    for k in 0..total {
        let due = schedule.due(k);
        let wait = due - unix_ns();
        if wait > 0 {
            tokio::time::sleep(Duration::from_nanos(wait as u64)).await;
        }
        let body = format!("t{due} {padding}");
        if write.feed(client::send_frame(&format!("p{p}-{k}-{}", schedule.first_due_ns), body)).await.is_err()
        {
            break;
        }
        // Flush whenever we are on time; when behind, let sends batch up.
        if unix_ns() < due + schedule.interval_ns && write.flush().await.is_err() {
            break;
        }
    }
    let _ = write.flush().await;
    acks.await.unwrap_or(0)
}

/// Send on `schedule` through a Socket.IO socket, reading (the relayed copies, the heartbeat)
/// while waiting; how many were sent. Socket.IO acknowledges nothing.
///
/// The socket is handed to `done` rather than closed: closing a TCP socket with unread bytes
/// (the relayed copies) resets the connection, and the server drops what it had not yet read
/// from it: the last sends would be lost for a reason that is the tool's, not the server's.
async fn publish_socketio(
    mut socket: RawSocket,
    p: usize,
    schedule: Schedule,
    padding: String,
    done: Arc<std::sync::Mutex<Vec<RawSocket>>>,
) -> u64 {
    let mut sent = 0;
    for k in 0..schedule.total {
        let due = schedule.due(k);
        loop {
            let wait = due - unix_ns();
            if wait <= 0 {
                break;
            }
            tokio::select! {
                biased;
                () = tokio::time::sleep(Duration::from_nanos(wait as u64)) => break,
                read = socket.read_frames(|_| {}) => if !matches!(read, Ok(true)) { return sent },
            }
        }
        let number = k as i64 + 1;
        if socket.send_text(&socketio::chat_message(p, number, due, &padding)).await.is_err() {
            return sent;
        }
        sent += 1;
    }
    if let Ok(mut done) = done.lock() {
        done.push(socket);
    }
    sent
}
