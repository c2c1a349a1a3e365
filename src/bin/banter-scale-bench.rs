//! `banter-scale-bench`: how the cost of a room's page, a resume and a search grow with the
//! room's history, and a page's with the rooms its reader is in (the "Cost curves" of
//! docs/benchmarks.md).
//!
//! For each size, a fresh SQLite store is filled through the server's own insert with that
//! many messages in `#general`, a real server is started on it (in this process, on
//! 127.0.0.1:0), and `GET /r/general` is timed over loopback for two readers: one who has read
//! nothing (every message unread: the sidebar's counts have the most to count) and one who has
//! read everything. Each page holds the latest 50 messages, whatever the size: a page whose time
//! grows with the history is doing work the page does not show.
//!
//! Beside the pages, the sidebar's unread count for the reader who has read nothing is timed
//! as a query on its own, both as the server counts now (stopping at `MAX_UNREAD_COUNTED`) and
//! as it counted before (every unread message): the cost the cap took off every page.
//!
//! On the same store and server, two more costs a room's history could make grow, each seen as
//! a client sees it:
//! - a socket that resumes [`RESUME_MAX`] messages behind the latest (the most the server
//!   replays rather than resyncing): from its `hello` to the last missed message, checked to
//!   bring each of them once and in order;
//! - `GET /search` for a word every message holds ([`COMMON_WORD`]: a full page of results to
//!   rank among them all), for one only the oldest message holds ([`RARE_WORD`]) and for one
//!   every message holds but the newest tenth ([`OLD_WORD`]: absent lately, everywhere before),
//!   each checked to show the results it should.
//!
//! Then, for each number of rooms, a fresh store where one reader is in that many public rooms
//! (beside `#general`), each holding [`MESSAGES_PER_ROOM`] messages they have not read, the
//! last of which mentions them: the sidebar lists every room with its unread and mention
//! counts. `GET /r/general` is timed as above, and the sidebar's query (`Store::my_rooms`) on
//! its own. A page whose time grows faster than its sidebar's rows do is doing more per room
//! than drawing it.
//!
//! With `--postgres ADMIN_URL`, each store is a fresh PostgreSQL database made on that server
//! (and dropped after), not a SQLite file; the old-count comparison is SQLite's only.
//!
//! With `members`, it only makes a store where `#general` has that many members, each signed
//! in, for the fan-out curve that `scripts/bench-scale.sh` measures over sockets with
//! `banter-load` (the server in its own process, on its own core).
//!
//! Run it on the release build: `make bench-scale`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use banter::api::search::SEARCH_PAGE;
use banter::ids::{Seq, UserId};
use banter::load::client::Socket;
use banter::protocol::{self, ClientFrame, RESUME_MAX, ResumeFrom, ServerFrame};
use banter::rooms::RoomKind;
use banter::server::limits::person_limits::SEARCH_BURST;
use banter::server::messages::history::NewMessage;
use banter::server::messages::mentions::Mentioned;
use banter::server::rooms::membership::RoomAccess;
use banter::server::storage::database::{BUSY_TIMEOUT, Database};
use banter::server::{AppState, Config, Store};
use clap::Parser;
use futures::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser)]
struct Cli {
    /// History sizes to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [10_000u64, 100_000, 1_000_000])]
    sizes: Vec<u64>,
    /// Numbers of rooms the reader is in, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [10u64, 100, 1_000])]
    rooms: Vec<u64>,
    /// Page loads timed per reader and size.
    #[arg(long, default_value_t = 30)]
    runs: usize,
    /// Measure on PostgreSQL: a server's URL with a database the role may create others from
    /// (`postgres://USER@HOST:PORT/postgres`); each size gets a database of its own.
    #[arg(long)]
    postgres: Option<String>,
    /// Also write the figures to this file as JSON, for `scripts/plot_curves.py`.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Keep each store (SQLite file or PostgreSQL database) for a look afterwards, and say
    /// where it is, instead of removing it.
    #[arg(long)]
    keep: bool,
    /// Leptos.toml, for the site the pages link to.
    #[arg(long, default_value = "Leptos.toml")]
    leptos_config: String,
    #[command(subcommand)]
    prepare: Option<Prepare>,
}

/// Stores for the curves measured over sockets (`scripts/bench-scale.sh` starts the server on
/// them in its own process and runs `banter-load` against it).
#[derive(clap::Subcommand)]
enum Prepare {
    /// A store where `#general` has `count` members, each signed in: their session cookies,
    /// one per line, go to `sessions` (for `banter-load fanout --sessions`).
    Members {
        #[arg(long)]
        count: usize,
        /// The store: `sqlite://PATH` or an existing, empty `postgres://…` database.
        #[arg(long)]
        database_url: Database,
        #[arg(long)]
        sessions: PathBuf,
    },
}

/// Messages per transaction while filling.
const FILL_BATCH: u64 = 2_000;

/// Messages in each room of the rooms curve, none of them read by the reader.
const MESSAGES_PER_ROOM: u64 = 20;

/// A word in every message [`fill`] stores.
const COMMON_WORD: &str = "nothing";
/// A word only the first message of a room holds.
const RARE_WORD: &str = "zebras";
/// A word every message of a room holds but the newest tenth.
const OLD_WORD: &str = "yesteryear";
/// How the search page marks each result.
const SEARCH_HIT: &[u8] = b"class=\"search-hit\"";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Prepare::Members { count, database_url, sessions }) = &cli.prepare {
        return make_members(*count, database_url, sessions).await;
    }
    println!(
        "{:>10} {:>14} {:>14} {:>14} {:>14} {:>10} {:>16} {:>16}",
        "messages",
        "unread p50 ms",
        "unread p99 ms",
        "read p50 ms",
        "read p99 ms",
        "page KB",
        "count now p50 ms",
        "count all p50 ms"
    );
    let mut curves = Curves::default();
    for &size in &cli.sizes {
        let dir = std::env::temp_dir().join(format!("banter-scale-bench-{}-{size}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let fresh = Fresh::make(&cli, &dir, &format!("h{size}")).await?;
        let measured = measure(&cli, size, &fresh.database).await;
        fresh.drop(cli.keep).await?;
        if !cli.keep {
            std::fs::remove_dir_all(&dir)?;
        }
        let Measured { unread, read, bytes, counts, resume, common, rare, old } = measured?;
        curves.history.push(HistoryPoint {
            messages: size,
            unread_p50_ms: unread.0,
            unread_p99_ms: unread.1,
            read_p50_ms: read.0,
            read_p99_ms: read.1,
            page_bytes: bytes,
            resume_p50_ms: resume.0,
            resume_p99_ms: resume.1,
            search_common_p50_ms: common.0,
            search_common_p99_ms: common.1,
            search_rare_p50_ms: rare.0,
            search_rare_p99_ms: rare.1,
            search_old_p50_ms: old.0,
            search_old_p99_ms: old.1,
        });
        let counts = match counts {
            Some((capped, all)) => format!("{capped:>16.2} {all:>16.2}"),
            None => format!("{:>16} {:>16}", "-", "-"),
        };
        println!(
            "{size:>10} {:>14.2} {:>14.2} {:>14.2} {:>14.2} {:>10.1} {counts}",
            unread.0,
            unread.1,
            read.0,
            read.1,
            bytes as f64 / 1024.0
        );
    }
    println!();
    println!(
        "{:>10} {:>16} {:>16} {:>16} {:>16} {:>16} {:>16} {:>16} {:>16}",
        "messages",
        "resume p50 ms",
        "resume p99 ms",
        "common p50 ms",
        "common p99 ms",
        "rare p50 ms",
        "rare p99 ms",
        "old p50 ms",
        "old p99 ms"
    );
    for point in &curves.history {
        println!(
            "{:>10} {:>16.2} {:>16.2} {:>16.2} {:>16.2} {:>16.2} {:>16.2} {:>16.2} {:>16.2}",
            point.messages,
            point.resume_p50_ms,
            point.resume_p99_ms,
            point.search_common_p50_ms,
            point.search_common_p99_ms,
            point.search_rare_p50_ms,
            point.search_rare_p99_ms,
            point.search_old_p50_ms,
            point.search_old_p99_ms
        );
    }
    println!();
    println!(
        "{:>10} {:>12} {:>12} {:>10} {:>16}",
        "rooms", "page p50 ms", "page p99 ms", "page KB", "sidebar p50 ms"
    );
    for &rooms in &cli.rooms {
        let dir = std::env::temp_dir().join(format!("banter-scale-bench-{}-r{rooms}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let fresh = Fresh::make(&cli, &dir, &format!("r{rooms}")).await?;
        let measured = measure_rooms(&cli, rooms, &fresh.database).await;
        fresh.drop(cli.keep).await?;
        if !cli.keep {
            std::fs::remove_dir_all(&dir)?;
        }
        let RoomsMeasured { page, bytes, sidebar } = measured?;
        curves.rooms.push(RoomsPoint {
            rooms,
            page_p50_ms: page.0,
            page_p99_ms: page.1,
            page_bytes: bytes,
            sidebar_p50_ms: sidebar,
        });
        println!(
            "{rooms:>10} {:>12.2} {:>12.2} {:>10.1} {sidebar:>16.2}",
            page.0,
            page.1,
            bytes as f64 / 1024.0
        );
    }
    if let Some(path) = &cli.json {
        std::fs::write(path, serde_json::to_vec_pretty(&curves)?)?;
    }
    Ok(())
}

/// Everything one run measured, as `--json` writes it.
#[derive(Default, serde::Serialize)]
struct Curves {
    /// A room's page against the room's history.
    history: Vec<HistoryPoint>,
    /// A room's page against the rooms its reader is in.
    rooms: Vec<RoomsPoint>,
}

#[derive(serde::Serialize)]
struct HistoryPoint {
    messages: u64,
    unread_p50_ms: f64,
    unread_p99_ms: f64,
    read_p50_ms: f64,
    read_p99_ms: f64,
    page_bytes: usize,
    /// A socket resuming `RESUME_MAX` behind, to its last missed message.
    resume_p50_ms: f64,
    resume_p99_ms: f64,
    /// `GET /search` for a word every message holds (a full page of results).
    search_common_p50_ms: f64,
    search_common_p99_ms: f64,
    /// The same for a word only the oldest message holds.
    search_rare_p50_ms: f64,
    search_rare_p99_ms: f64,
    /// The same for a word every message holds but the newest tenth (a full page).
    search_old_p50_ms: f64,
    search_old_p99_ms: f64,
}

#[derive(serde::Serialize)]
struct RoomsPoint {
    rooms: u64,
    page_p50_ms: f64,
    page_p99_ms: f64,
    page_bytes: usize,
    sidebar_p50_ms: f64,
}

/// A store of its own for one measurement: a SQLite file in its directory, or a new database
/// on `--postgres`'s server, dropped by [`Fresh::drop`].
struct Fresh {
    database: Database,
    /// The admin URL and the database's name, on PostgreSQL.
    postgres: Option<(String, String)>,
}

impl Fresh {
    async fn make(cli: &Cli, dir: &std::path::Path, label: &str) -> anyhow::Result<Self> {
        use sqlx::Connection as _;
        let Some(admin) = &cli.postgres else {
            return Ok(Self { database: Database::Sqlite(dir.join("scale.db")), postgres: None });
        };
        let name = format!("banter_scale_{}_{label}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(admin).await?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
        conn.close().await?;
        let (server, _) =
            admin.rsplit_once('/').ok_or_else(|| anyhow::anyhow!("--postgres: a URL ending in /DATABASE"))?;
        Ok(Self { database: format!("{server}/{name}").parse()?, postgres: Some((admin.clone(), name)) })
    }

    async fn drop(self, keep: bool) -> anyhow::Result<()> {
        use sqlx::Connection as _;
        if keep {
            eprintln!("kept: {}", self.postgres.map_or_else(|| self.database.to_string(), |(_, name)| name));
            return Ok(());
        }
        if let Some((admin, name)) = self.postgres {
            let mut conn = sqlx::PgConnection::connect(&admin).await?;
            sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut conn).await?;
            conn.close().await?;
        }
        Ok(())
    }
}

/// What one size measured.
struct Measured {
    /// (p50, p99) of the page of the reader who has read nothing, in ms.
    unread: (f64, f64),
    /// The same for the reader who has read everything.
    read: (f64, f64),
    /// The page's size.
    bytes: usize,
    /// p50 of the sidebar's unread count as it is now, and as it was, in ms (SQLite only).
    counts: Option<(f64, f64)>,
    /// (p50, p99) of a socket's resume `RESUME_MAX` behind, in ms.
    resume: (f64, f64),
    /// (p50, p99) of a search for [`COMMON_WORD`], then for [`RARE_WORD`] and [`OLD_WORD`],
    /// in ms.
    common: (f64, f64),
    rare: (f64, f64),
    old: (f64, f64),
}

/// The sidebar's unread count for one member of one room; `LIMIT` is the cap (the uncapped
/// count passes the largest number there is).
const UNREAD_COUNT: &str = "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM messages x
     WHERE x.room_id = m.room_id AND x.seq > m.last_read_seq
       AND (x.author_id IS NULL OR x.author_id != m.user_id)
       AND (x.thread_root IS NULL OR x.also_in_room = 1) LIMIT ?) counted)
     FROM room_members m JOIN users u ON u.id = m.user_id WHERE u.username = 'unread'";

async fn measure(cli: &Cli, size: u64, database: &Database) -> anyhow::Result<Measured> {
    let store = Store::connect(database, BUSY_TIMEOUT).await?;
    let author = store.create_user("author", "-", "Author").await?;
    let room =
        store.room_for(author.id, "general").await?.ok_or_else(|| anyhow::anyhow!("no general room"))?;
    store.join_public(&room, author.id).await?;
    let seq = fill(&store, &room, author.id, size, None).await?;
    settle(database).await?;

    let (addr, stop, server) = start(cli, database, &store).await?;

    let unread = banter::load::client::sign_up(addr, "unread").await?;
    let caught_up = banter::load::client::sign_up(addr, "caught-up").await?;
    let reader = store.user_by_username("caught-up").await?.ok_or_else(|| anyhow::anyhow!("no reader"))?;
    store.mark_read(room.id, reader.id, seq).await?;

    let (unread_times, bytes) = page_times(addr, &unread, cli.runs).await?;
    let (read_times, _) = page_times(addr, &caught_up, cli.runs).await?;
    let resume = resume_times(addr, &caught_up, seq, cli.runs).await?;
    let mut searchers = Searchers::sign_up(addr, 3 * (cli.runs + 1)).await?;
    let common = search_times(addr, &mut searchers, COMMON_WORD, SEARCH_PAGE, cli.runs).await?;
    let rare = search_times(addr, &mut searchers, RARE_WORD, 1, cli.runs).await?;
    let old = search_times(addr, &mut searchers, OLD_WORD, SEARCH_PAGE, cli.runs).await?;
    let _ = stop.send(());
    server.await??;
    store.close().await;
    let measured = Measured {
        unread: percentiles(unread_times),
        read: percentiles(read_times),
        bytes,
        counts: None,
        resume: percentiles(resume),
        common: percentiles(common),
        rare: percentiles(rare),
        old: percentiles(old),
    };
    let Some(db) = database.sqlite_path() else { return Ok(measured) };

    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await?;
    let count = async |limit: i64| -> anyhow::Result<f64> {
        let mut times = Vec::with_capacity(cli.runs);
        for _ in 0..cli.runs {
            let started = Instant::now();
            let _: i64 = sqlx::query_scalar(UNREAD_COUNT).bind(limit).fetch_one(&pool).await?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        Ok(percentiles(times).0)
    };
    let count_capped = count(banter::rooms::MAX_UNREAD_COUNTED).await?;
    let count_all = count(i64::MAX).await?;
    pool.close().await;
    Ok(Measured { counts: Some((count_capped, count_all)), ..measured })
}

/// What one number of rooms measured.
struct RoomsMeasured {
    /// (p50, p99) of the reader's page, in ms.
    page: (f64, f64),
    /// The page's size.
    bytes: usize,
    /// p50 of the sidebar's query on its own, in ms.
    sidebar: f64,
}

async fn measure_rooms(cli: &Cli, rooms: u64, database: &Database) -> anyhow::Result<RoomsMeasured> {
    let store = Store::connect(database, BUSY_TIMEOUT).await?;
    let author = store.create_user("author", "-", "Author").await?;
    let (addr, stop, server) = start(cli, database, &store).await?;
    let cookie = banter::load::client::sign_up(addr, "reader").await?;
    let reader = store.user_by_username("reader").await?.ok_or_else(|| anyhow::anyhow!("no reader"))?;
    let mention = Mentioned { user_id: reader.id, username: reader.username.clone() };
    for n in 0..rooms {
        let room = store.create_room(author.id, &format!("room-{n:05}"), RoomKind::Public).await?;
        store.join_public(&room, reader.id).await?;
        fill(&store, &room, author.id, MESSAGES_PER_ROOM, Some(&mention)).await?;
    }
    settle(database).await?;
    let (times, bytes) = page_times(addr, &cookie, cli.runs).await?;
    let mut sidebar = Vec::with_capacity(cli.runs);
    for _ in 0..cli.runs {
        let started = Instant::now();
        let listed = store.my_rooms(reader.id, |_| false).await?;
        sidebar.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(listed.len() as u64 > rooms, "the sidebar lists {} rooms", listed.len());
    }
    let _ = stop.send(());
    server.await??;
    store.close().await;
    Ok(RoomsMeasured { page: percentiles(times), bytes, sidebar: percentiles(sidebar).0 })
}

/// `count` people in `#general`, made through the store (no password: nobody signs in), each
/// with a session; their cookies (`banter_session=…`) written to `sessions`.
async fn make_members(count: usize, database: &Database, sessions: &std::path::Path) -> anyhow::Result<()> {
    let store = Store::connect(database, BUSY_TIMEOUT).await?;
    let mut cookies = String::with_capacity(count * 64);
    for n in 0..count {
        let name = format!("member-{n:06}");
        let user = store.create_user(&name, "-", &name).await?;
        let room =
            store.room_for(user.id, "general").await?.ok_or_else(|| anyhow::anyhow!("no general room"))?;
        store.join_public(&room, user.id).await?;
        let token = store.create_session(user.id, "banter-scale-bench").await?;
        cookies.push_str(&format!(
            "{}={}\n",
            banter::server::accounts::session_cookie::SESSION_COOKIE,
            token.0
        ));
    }
    std::fs::write(sessions, cookies)?;
    println!("{count} members of #general in {database}");
    Ok(())
}

/// Store `count` messages by `author` in `room` through the server's own insert, each holding
/// [`COMMON_WORD`], the first also [`RARE_WORD`], all but the newest tenth [`OLD_WORD`], and the
/// last mentioning `mention` if given:
/// the room's last `seq`.
async fn fill(
    store: &Store,
    room: &RoomAccess,
    author: UserId,
    count: u64,
    mention: Option<&Mentioned>,
) -> anyhow::Result<Seq> {
    let mut stored = 0;
    let mut seq = Seq::ZERO;
    while stored < count {
        let mut tx = store.begin().await?;
        seq = Store::claim_seqs(&mut tx, room.id).await?.last_seq;
        for _ in 0..FILL_BATCH.min(count - stored) {
            seq += 1;
            stored += 1;
            let mentions = match mention {
                Some(person) if stored == count => vec![person.clone()],
                _ => Vec::new(),
            };
            let rare = if stored == 1 { RARE_WORD } else { "" };
            let old = if stored <= count - count / 10 { OLD_WORD } else { "" };
            let mut text = format!("message number {seq}, about {COMMON_WORD} much");
            for word in [rare, old].into_iter().filter(|word| !word.is_empty()) {
                text.push(' ');
                text.push_str(word);
            }
            let message = NewMessage {
                room_id: room.id,
                room: room.name.clone(),
                client_id: format!("s{seq}"),
                author_id: Some(author),
                author: "Author".into(),
                username: "author".into(),
                bot: false,
                via: None,
                html: format!("<p>{text}</p>"),
                mentions,
                body: text,
                attachments: Vec::new(),
                placement: Default::default(),
            };
            Store::insert(&mut tx, &message, seq, 1_700_000_000_000 + seq.0).await?;
        }
        Store::release_seqs(&mut tx, room.id, seq).await?;
        tx.commit().await?;
    }
    Ok(seq)
}

/// On PostgreSQL, what autovacuum does to a table soon after it has grown (`VACUUM ANALYZE`):
/// until then the planner has no statistics for the tables just filled, and the GIN index's
/// own are those of an empty one. Measured on the same store, pages and searches took 5–20×
/// as long before its round as after it, and when it comes during a measurement it is
/// anyone's guess which runs it splits. A server that has been running has had it.
async fn settle(database: &Database) -> anyhow::Result<()> {
    use sqlx::Connection as _;
    let Database::Postgres(url) = database else { return Ok(()) };
    let mut conn = sqlx::PgConnection::connect(url).await?;
    sqlx::query("VACUUM (ANALYZE)").execute(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

/// A server on `store`, in this process, on 127.0.0.1:0: its address, the sender that stops
/// it, and its task.
async fn start(
    cli: &Cli,
    database: &Database,
    store: &Store,
) -> anyhow::Result<(SocketAddr, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<anyhow::Result<()>>)>
{
    let options = leptos::config::get_configuration(Some(&cli.leptos_config))?.leptos_options;
    let mut config = Config::with_database(database.clone());
    // One reader resumes `runs + 1` times in a row, faster than a person's joins are allowed,
    // and the searches need more readers than one address may make by default.
    config.hello_burst = u32::try_from(cli.runs + 1)?.max(config.hello_burst);
    config.signups_per_hour = u32::try_from(cli.runs + 10)?.max(config.signups_per_hour);
    let state = AppState::new(options, config, store.clone()).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(banter::server::serve(state, listener, async move {
        let _ = stopped.await;
    }));
    Ok((addr, stop, server))
}

/// `runs` loads of `/r/general` with `cookie` (after one untimed): each one's time in ms, and
/// the page's size.
async fn page_times(addr: SocketAddr, cookie: &str, runs: usize) -> anyhow::Result<(Vec<f64>, usize)> {
    let mut bytes = get(addr, cookie).await?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        bytes = get(addr, cookie).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((times, bytes))
}

/// `runs` resumes (after one untimed) of a socket that last held `latest - RESUME_MAX` in
/// `#general`: each one's time in ms from its `hello` to the last message it missed. Each must
/// bring every missed message once, in order, and no resync.
async fn resume_times(addr: SocketAddr, cookie: &str, latest: Seq, runs: usize) -> anyhow::Result<Vec<f64>> {
    let after = Seq(latest.0 - RESUME_MAX);
    let hello = protocol::encode(&ClientFrame::Hello {
        room: protocol::DEFAULT_ROOM.into(),
        after: Some(ResumeFrom::Seq(after)),
    });
    let mut times = Vec::with_capacity(runs);
    for run in 0..=runs {
        let mut ws = banter::load::client::connect(addr, None, cookie).await?;
        let started = Instant::now();
        ws.send(Message::text(hello.clone())).await?;
        replayed(&mut ws, after, latest).await?;
        if run > 0 {
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        ws.close(None).await?;
    }
    Ok(times)
}

/// Read `ws` until it has brought every message after `after` up to `latest`, once each and in
/// order.
async fn replayed(ws: &mut Socket, after: Seq, latest: Seq) -> anyhow::Result<()> {
    let mut due = after.0 + 1;
    while due <= latest.0 {
        let message = ws.next().await.ok_or_else(|| anyhow::anyhow!("closed at {due} of {latest}"))??;
        let Message::Text(text) = message else { continue };
        match protocol::decode_server(text.as_str()).map_err(|e| anyhow::anyhow!("{e}"))? {
            ServerFrame::Messages { messages, resync, .. } => {
                anyhow::ensure!(!resync, "a resync instead of a resume");
                for message in messages {
                    anyhow::ensure!(message.seq.0 == due, "{} arrived where {due} was due", message.seq);
                    due += 1;
                }
            }
            ServerFrame::Message(message) => {
                anyhow::ensure!(message.seq.0 == due, "{} arrived where {due} was due", message.seq);
                due += 1;
            }
            ServerFrame::Error { .. } => anyhow::bail!("refused: {}", text.as_str()),
            _ => {}
        }
    }
    Ok(())
}

/// Readers of `#general` to search as: a person may run [`SEARCH_BURST`] searches at once
/// (then one a second), so each reader runs at most that many.
struct Searchers {
    cookies: Vec<String>,
    searched: usize,
}

impl Searchers {
    /// Enough new readers for `searches` searches.
    async fn sign_up(addr: SocketAddr, searches: usize) -> anyhow::Result<Self> {
        let mut cookies = Vec::new();
        for n in 0..searches.div_ceil(SEARCH_BURST as usize) {
            cookies.push(banter::load::client::sign_up(addr, &format!("searcher-{n}")).await?);
        }
        Ok(Self { cookies, searched: 0 })
    }

    /// The cookie of a reader who may search once more.
    fn next(&mut self) -> anyhow::Result<&str> {
        let reader = self.searched / SEARCH_BURST as usize;
        self.searched += 1;
        self.cookies.get(reader).map(String::as_str).ok_or_else(|| anyhow::anyhow!("no searcher left"))
    }
}

/// `runs` searches for `word` (after one untimed), each one's time in ms. Each page must list
/// `hits` results.
async fn search_times(
    addr: SocketAddr,
    searchers: &mut Searchers,
    word: &str,
    hits: usize,
    runs: usize,
) -> anyhow::Result<Vec<f64>> {
    let path = format!("/search?q={word}");
    let mut times = Vec::with_capacity(runs);
    for run in 0..=runs {
        let cookie = searchers.next()?;
        let started = Instant::now();
        let page = fetch(addr, &path, cookie).await?;
        if run > 0 {
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let found = page.windows(SEARCH_HIT.len()).filter(|w| *w == SEARCH_HIT).count();
        anyhow::ensure!(found == hits, "a search for {word:?} listed {found} results, not {hits}");
    }
    Ok(times)
}

/// One `GET /r/general`: the answer's size, which must be a page.
async fn get(addr: SocketAddr, cookie: &str) -> anyhow::Result<usize> {
    Ok(fetch(addr, "/r/general", cookie).await?.len())
}

/// One `GET path` with `cookie`: the whole answer, which must be a page.
async fn fetch(addr: SocketAddr, path: &str, cookie: &str) -> anyhow::Result<Vec<u8>> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/html\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    anyhow::ensure!(answer.starts_with(b"HTTP/1.1 200"), "{path} did not load");
    Ok(answer)
}

/// (p50, p99) of `times`.
fn percentiles(mut times: Vec<f64>) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    let at =
        |q: f64| times.get(((times.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or_default();
    (at(0.5), at(0.99))
}
