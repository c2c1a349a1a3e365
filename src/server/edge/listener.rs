//! The HTTP accept loop: how many connections, how long a request's headers may take, and how
//! long shutdown may wait.
//!
//! `axum::serve` has none of these knobs, so connections are served with hyper-util's
//! builder directly (as axum's own "serve with hyper" example does):
//! - a cap on open HTTP connections ([`Config::max_http_connections`]); past it a new
//!   connection is closed at once, so a flood of idle sockets cannot exhaust file handles;
//! - a header-read timeout ([`Config::header_read_timeout`]): a client that trickles its
//!   request headers (slowloris) is cut off instead of holding a connection and a task for ever;
//! - graceful shutdown that stops accepting, lets requests in flight finish, and gives up on
//!   whatever is left when the deadline passes, slow or half-open connections included.
//!
//! Upgraded WebSockets leave this loop (and its cap) once upgraded: `ws` counts those.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::Service;

use crate::server::config::Config;

/// Pause after the listener fails to accept (out of file handles): retrying at once would spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serve `app` on `listener` until `shutdown` resolves; then stop accepting and wait at most
/// `grace` for the connections in flight. Returns that deadline, for the rest of shutdown.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    config: &Config,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> tokio::time::Instant {
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let permits = Arc::new(Semaphore::new(config.max_http_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(config.header_read_timeout());
    // Every connection's task, so those still open at the deadline can be ended.
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            // Finished connections are reaped as they end, so the set stays the open ones.
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "refusing an HTTP connection: at the connection limit");
            continue;
        };
        // Chat frames are small and latency is the point: no Nagle delay on any connection.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        let Ok(service) = make_service.call(peer).await;
        let connection =
            builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection.into_owned());
        tasks.spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "HTTP connection ended with an error");
            }
            drop(permit);
        });
    }
    let deadline = tokio::time::Instant::now() + grace;
    drop(listener);
    if tokio::time::timeout_at(deadline, graceful.shutdown()).await.is_err() {
        tracing::warn!(
            open = tasks.len(),
            "HTTP connections still open at the shutdown deadline; ending them"
        );
        tasks.abort_all();
    }
    deadline
}
