//! `banter-thread-bench`: the thread figures in docs/benchmarks.md.
//!
//! In a fresh store, times what a thread adds to the two paths it touches, each beside its
//! baseline in the same run: storing a reply in a thread (the summary on the root, the
//! follows) against storing a message in the room, one transaction each, as the sequencer
//! commits one message alone; and reading a thread of `--replies` replies (its root and latest
//! page) against reading the room's latest page, with the replies in the room's history.
//!
//! Run it on the release build: `make bench-threads`.

use banter::ids::Seq;
use std::time::Instant;

use banter::protocol::HISTORY_PAGE;
use banter::server::Store;
use banter::server::messages::history::{NewMessage, Placement};
use clap::Parser;

#[derive(Parser)]
struct Cli {
    /// Replies in the thread that is read.
    #[arg(long, default_value_t = 1_000)]
    replies: i64,
    /// Times each operation is timed.
    #[arg(long, default_value_t = 200)]
    runs: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let dir = std::env::temp_dir().join(format!("banter-thread-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store = Store::open(&dir.join("thread-bench.db")).await?;
    let user = store.create_user("bench", "-", "Bench").await?;
    let room = store.room_for(user.id, "general").await?.ok_or_else(|| anyhow::anyhow!("no general room"))?;
    store.join_public(&room, user.id).await?;
    let mut seq = store.latest_seq(room.id).await?;
    // The first message stored is the thread's root.
    let root = seq + 1;
    let message = |seq: Seq, placement: Placement| NewMessage {
        room_id: room.id,
        room: room.name.clone(),
        client_id: format!("b{seq}"),
        author_id: Some(user.id),
        author: "Bench".into(),
        username: "bench".into(),
        bot: false,
        via: None,
        html: String::new(),
        mentions: Vec::new(),
        body: format!("message number {seq}, about the release"),
        attachments: Vec::new(),
        placement,
    };

    // One message at a time, as the sequencer commits a message that arrives alone.
    let mut store_one = async |placement: Placement| -> anyhow::Result<f64> {
        seq += 1;
        let t = Instant::now();
        let mut tx = store.begin().await?;
        Store::insert(&mut tx, &message(seq, placement), seq, 1_700_000_000_000 + seq.0).await?;
        tx.commit().await?;
        Ok(t.elapsed().as_secs_f64() * 1000.0)
    };
    store_one(Placement::default()).await?;
    let in_thread = Placement { thread: Some(root), ..Placement::default() };
    let (mut plain, mut replies) = (Vec::new(), Vec::new());
    for _ in 0..cli.runs {
        plain.push(store_one(Placement::default()).await?);
        replies.push(store_one(in_thread).await?);
    }
    // The rest of the thread, to `--replies`.
    for _ in 0..(cli.replies - i64::try_from(cli.runs)?).max(0) {
        store_one(in_thread).await?;
    }
    println!("{:<38} {:>10} {:>10}", "", "p50 ms", "p99 ms");
    report("store a message in the room", &mut plain);
    report("store a reply in a thread", &mut replies);

    let (mut room_page, mut thread_page) = (Vec::new(), Vec::new());
    for _ in 0..cli.runs {
        let t = Instant::now();
        let page = store.page(room.id, &room.name, None, HISTORY_PAGE).await?;
        room_page.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(page.messages.len() == HISTORY_PAGE, "a full page of the room");
        let t = Instant::now();
        let thread = store.thread(room.id, &room.name, root, None, HISTORY_PAGE).await?;
        thread_page.push(t.elapsed().as_secs_f64() * 1000.0);
        let summary = thread.and_then(|t| t.root.thread).map(|s| s.replies);
        anyhow::ensure!(
            summary >= Some(cli.replies),
            "a thread of {} replies, read {summary:?}",
            cli.replies
        );
    }
    report("read the room's latest page", &mut room_page);
    report(&format!("read a thread of {} replies", cli.replies), &mut thread_page);
    store.close().await;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

fn report(what: &str, times: &mut [f64]) {
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!("{what:<38} {:>10.2} {:>10.2}", at(0.5), at(0.99));
}
