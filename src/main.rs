//! The server binary: read configuration, set up logging, serve until Ctrl-C or SIGTERM.

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use banter::server::config::Task;
use banter::server::operators::backup;
use banter::server::{self, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::edge::allocator::set_up();
    let config = Config::parse();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&config.log).context("invalid --log filter")?);
    // An operator's task prints its answer on stdout (a link, a table), for scripts to read:
    // its logs go to stderr.
    if config.task.is_some() {
        logs.with_writer(std::io::stderr).init();
    } else {
        logs.init();
    }

    match &config.task {
        Some(Task::Backup { to }) => {
            let manifest = backup::backup(&config, to).await?;
            println!(
                "backup in {}: {} messages, {} files, schema {}",
                to.display(),
                manifest.messages,
                manifest.files.len(),
                manifest.schema_version
            );
            return Ok(());
        }
        Some(Task::Restore { from, keep_sessions }) => {
            let manifest = backup::restore(&config, from, *keep_sessions).await?;
            println!("restored {} messages from {}", manifest.messages, from.display());
            return Ok(());
        }
        Some(Task::Admin { command }) => {
            print!("{}", server::operators::admin::run(&config, command).await?);
            return Ok(());
        }
        None => {}
    }

    // Leptos.toml is optional: without it, LEPTOS_* variables (or built-in defaults) apply.
    let leptos_config = config.leptos_config.to_str().filter(|_| config.leptos_config.exists());
    let leptos = leptos::config::get_configuration(leptos_config)
        .with_context(|| format!("cannot read {}", config.leptos_config.display()))?;
    let mut options = leptos.leptos_options;
    // Hashed bundle names whenever the build made them, however the binary was started.
    options.hash_files |= server::edge::assets::hashed_names_built(&options);
    let addr = config.addr.unwrap_or(options.site_addr);

    let listener =
        tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    server::edge::allocator::spawn_trimmer();
    server::run(config, options, listener, server::shutdown_signal()).await
}
