//! `banter-load`: load scenarios against a running Banter server. See `banter::load`.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = banter::load::Cli::parse();
    banter::load::run(cli).await.map(|_| ())
}
