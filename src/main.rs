//! The server binary: read configuration, set up logging, serve until Ctrl-C or SIGTERM.

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use banter::server::{self, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&config.log).context("invalid --log filter")?)
        .init();

    // Leptos.toml is optional: without it, LEPTOS_* variables (or built-in defaults) apply.
    let leptos_config = config.leptos_config.to_str().filter(|_| config.leptos_config.exists());
    let leptos = leptos::config::get_configuration(leptos_config)
        .with_context(|| format!("cannot read {}", config.leptos_config.display()))?;
    let options = leptos.leptos_options;
    let addr = config.addr.unwrap_or(options.site_addr);

    let listener =
        tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    server::run(config, options, listener, server::shutdown_signal()).await
}
