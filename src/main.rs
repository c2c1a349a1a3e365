//! The server binary: read configuration, set up logging, serve until Ctrl-C or SIGTERM.

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use banter::server::config::Task;
use banter::server::operators::backup;
use banter::server::{self, Config};

/// Blocks at least this big come straight from the kernel and go straight back when freed.
const MMAP_THRESHOLD_BYTES: i32 = 1 << 20;

/// glibc raises its mmap threshold to the size of any large block freed, after which blocks
/// that size are kept in a per-thread heap instead of returned. Every sign-in hashes with a
/// 19 MiB work area (argon2id), so without a fixed threshold each one left ~19 MiB resident.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks_to_the_kernel() {
    // SAFETY: mallopt only tunes the allocator; it takes the allocator's own lock.
    let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) };
    if set != 1 {
        tracing::warn!("cannot set the allocator's mmap threshold");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_kernel() {}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    return_large_blocks_to_the_kernel();
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
    server::run(config, options, listener, server::shutdown_signal()).await
}
