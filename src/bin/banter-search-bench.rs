//! `banter-search-bench`: the search figures in docs/benchmarks.md.
//!
//! Fills a fresh store with `--messages` generated messages (through the same insert the
//! server uses, so each is indexed as it is stored), then times searches of several kinds as
//! a member of the room and reports the store's size with and without the index.
//!
//! Run it on the release build: `make bench-search`.

use std::path::PathBuf;
use std::time::Instant;

use banter::server::Store;
use banter::server::messages::history::NewMessage;
use banter::server::search::index::SearchFilter;
use banter::server::search::query::SearchQuery;
use clap::Parser;

#[derive(Parser)]
struct Cli {
    /// Messages to store.
    #[arg(long, default_value_t = 1_000_000)]
    messages: u64,
    /// Times each search is run.
    #[arg(long, default_value_t = 50)]
    runs: usize,
    /// Where the store goes (a temporary directory by default; removed at the end).
    #[arg(long)]
    db: Option<PathBuf>,
}

/// Messages per transaction while filling.
const FILL_BATCH: u64 = 2_000;
/// Words the generator draws from; word `i` is drawn about 1/(i+1) as often as word 0.
const VOCABULARY: usize = 20_000;

/// A small deterministic generator (xorshift): the same store on every run.
struct Words(u64);

impl Words {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A word index, Zipf-like: common words are common.
    fn word(&mut self) -> usize {
        let x = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((VOCABULARY as f64).powf(x) as usize).saturating_sub(1).min(VOCABULARY - 1)
    }

    fn message(&mut self, n: u64) -> String {
        let len = 4 + self.next() % 16;
        let mut text: Vec<String> = (0..len).map(|_| word_text(self.word())).collect();
        // One message in fifty is Japanese.
        if n.is_multiple_of(50) {
            text.push("東京で会いましょう".to_owned());
        }
        text.join(" ")
    }
}

/// Word `i` as text: pronounceable, distinct, some accented.
fn word_text(mut i: usize) -> String {
    const SYLLABLES: [&str; 16] =
        ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "bé", "da", "fu", "gi", "hä", "jo", "pe", "zu"];
    let mut word = String::new();
    loop {
        word.push_str(SYLLABLES[i % 16]);
        i /= 16;
        if i == 0 {
            break word;
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let dir = tempfile_dir()?;
    let db = cli.db.clone().unwrap_or_else(|| dir.join("search-bench.db"));
    let store = Store::open(&db).await?;
    let user = store.create_user("bench", "-", "Bench").await?;
    let room = store.room_for(user.id, "general").await?.ok_or_else(|| anyhow::anyhow!("no general room"))?;
    store.join_public(&room, user.id).await?;

    let started = Instant::now();
    let mut words = Words(0x9E37_79B9_7F4A_7C15);
    let mut seq = store.latest_seq(room.id).await?;
    let mut stored = 0;
    while stored < cli.messages {
        let mut tx = store.begin().await?;
        for _ in 0..FILL_BATCH.min(cli.messages - stored) {
            seq += 1;
            stored += 1;
            let body = words.message(stored);
            let message = NewMessage {
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
                body,
                attachments: Vec::new(),
                placement: Default::default(),
            };
            Store::insert(&mut tx, &message, seq, 1_700_000_000_000 + seq.0).await?;
        }
        tx.commit().await?;
    }
    println!("stored {stored} messages in {:.1} s", started.elapsed().as_secs_f64());

    let searches = [
        ("a common word", word_text(1)),
        ("a rare word", word_text(VOCABULARY - 7)),
        ("a prefix", word_text(300)[..3].to_owned()),
        // Longer than the prefix indexes: "kakalo" (in about one message in two hundred)
        // begins five words, asked as those; "kalo" begins about eighty, more than one search
        // asks for (`MAX_EXPANSION`), so it is asked as two searches, their matches merged.
        ("a long word", word_text(256)),
        ("a long prefix", word_text(16)),
        ("two words", format!("{} {}", word_text(5), word_text(40))),
        ("an accent folded", word_text(8).replace('é', "e")),
        ("CJK substring", "京で会".to_owned()),
        ("no match", "xylophone".to_owned()),
    ];
    println!("{:<18} {:>8} {:>10} {:>10}", "search", "results", "p50 ms", "max ms");
    for (what, text) in searches {
        let query = SearchQuery::parse(&text)?;
        let mut times = Vec::with_capacity(cli.runs);
        let mut results = 0;
        for _ in 0..cli.runs {
            let t = Instant::now();
            results = store
                .search(user.id, &query, &SearchFilter::default(), banter::api::SEARCH_PAGE)
                .await?
                .len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!("{what:<18} {results:>8} {:>10.2} {:>10.2}", times[times.len() / 2], times[times.len() - 1]);
    }

    store.close().await;
    let file = std::fs::metadata(&db)?.len();
    let store = Store::open(&db).await?;
    let index = store.search_index_bytes().await?;
    store.close().await;
    println!(
        "store on disk: {:.1} MB; the index's data {:.1} MB; without it about {:.1} MB",
        file as f64 / 1e6,
        index as f64 / 1e6,
        (file as f64 - index as f64) / 1e6
    );
    if cli.db.is_none() {
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(())
}

/// A fresh directory under the system's temporary directory.
fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("banter-search-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
