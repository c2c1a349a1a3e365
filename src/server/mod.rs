//! Everything that runs only in the server binary (`ssr` feature).
//!
//! [`run`] is the whole server: open the store, build the router, serve until the shutdown
//! future resolves, then close every WebSocket with 1001, commit what is queued, and stop.
//! Shutdown is a parameter so tests can stop a server they started; [`serve`] is the same from
//! a state built by the caller.

pub mod accounts;
pub mod commands;
pub mod config;
pub mod edge;
pub mod exports;
pub mod integrations;
pub mod limits;
pub mod mail;
pub mod media;
pub mod messages;
pub mod operators;
pub mod outbound;
pub mod previews;
pub mod push;
pub mod realtime;
pub mod rooms;
pub mod search;
pub mod state;
pub mod storage;

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::routing::{get, post};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;

use crate::app::{App, shell};
use crate::attachments::{FILES_PATH, FORM_POST_PATH, UPLOAD_PATH};
use crate::model::PREVIEW_IMAGES_PATH;
use accounts::{passkeys, single_sign_on};
pub use config::Config;
use edge::{api_status, assets, health, http_security, listener};
use media::uploads;
use messages::{emoji_catalog, form_post};
use realtime::ws;
pub use state::AppState;
pub use storage::store::Store;

/// Largest request body: every form and server function call is far smaller (a message of
/// 4,000 four-byte characters, URL-encoded, is about 36 KiB). Larger gets 413.
pub const MAX_REQUEST_BODY_BYTES: usize = 64 * 1024;

/// The app's routes, generated once per process.
///
/// Why once: generating runs the app with every resource held back, and Leptos holds them back
/// process-wide (`leptos_server`'s `SuppressResourceLoad`, leptos-rs/leptos#4773): a page being
/// rendered by another server in this process (the test suite's, or several nodes in one
/// process) whose data was first asked for in that moment would wait for ever. No router can
/// serve before this returns, so after the first call nothing renders while routes are made.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The HTTP routes: the server-rendered pages and server functions, `/ws`, and the static
/// site (wasm bundle, CSS, `public/`).
pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();
    Router::new()
        .route("/ws", get(ws::upgrade).layer(axum::Extension(ws::SharedState(Arc::new(state.clone())))))
        .route("/healthz", get(health::healthz))
        .route(crate::emoji::CATALOG_PATH, get(emoji_catalog::serve))
        .route("/metrics", get(health::metrics))
        .route("/api/v1/rooms", get(integrations::bot_api::rooms))
        .route(
            "/api/v1/rooms/{room}/messages",
            get(integrations::bot_api::messages).post(integrations::bot_api::post_message),
        )
        .route("/api/v1/openapi.json", get(integrations::openapi::serve))
        .route(integrations::hook_receiver::HOOKS_PATH, post(integrations::hook_receiver::receive))
        .route(mail::addresses::VERIFY_PATH, get(mail::routes::verify))
        // Beside the page at the same address (GET), which posts here.
        .route(mail::unsubscribe::UNSUBSCRIBE_PATH, post(mail::routes::unsubscribe))
        .route(single_sign_on::provider::START_PATH, get(single_sign_on::routes::start))
        .route(single_sign_on::provider::CALLBACK_PATH, get(single_sign_on::routes::callback))
        .route(crate::accounts::PASSKEY_REGISTER_START_PATH, post(passkeys::routes::register_start))
        .route(crate::accounts::PASSKEY_REGISTER_FINISH_PATH, post(passkeys::routes::register_finish))
        .route(crate::accounts::PASSKEY_SIGN_IN_START_PATH, post(passkeys::routes::sign_in_start))
        .route(crate::accounts::PASSKEY_SIGN_IN_FINISH_PATH, post(passkeys::routes::sign_in_finish))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(shell_options.clone()),
        )
        // Server function errors get the status their code says (they come out of Leptos 500).
        .layer(axum::middleware::from_fn(api_status::from_code))
        .fallback(assets::serve)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_REQUEST_BODY_BYTES))
        // Added after the 64 KiB limit, so it does not apply: uploads count their own bytes
        // against `--max-upload-bytes` as they stream to disk.
        .route(UPLOAD_PATH, post(uploads::upload).layer(axum::extract::DefaultBodyLimit::disable()))
        .route(FORM_POST_PATH, post(form_post::post_form).layer(axum::extract::DefaultBodyLimit::disable()))
        .route(&format!("{FILES_PATH}/{{id}}/{{name}}"), get(uploads::download))
        .route(&format!("{PREVIEW_IMAGES_PATH}/{{id}}"), get(previews::image_route::serve))
        .route(&format!("{}/{{id}}", crate::api::EXPORTS_PATH), get(exports::download::download))
        .layer(axum::middleware::from_fn(api_status::count_internal_errors))
        .layer(axum::middleware::from_fn_with_state(state.clone(), http_security::guard))
        .layer(http_security::layers())
        .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static(assets::DYNAMIC_CACHE_CONTROL),
        ))
        .layer(assets::compression())
        .with_state(state)
}

/// Serve on `listener` until `shutdown` resolves, then shut down gracefully.
pub async fn run(
    config: Config,
    leptos_options: LeptosOptions,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let database = config.database();
    let store = Store::connect(&database, Duration::from_millis(config.busy_timeout_ms))
        .await
        .context("cannot start without the database")?;
    tracing::info!(%database, "store ready");
    store.seed_admins(&config.admins).await.context("cannot record the --admins")?;
    let uploads = config.uploads_dir();
    let mut config = config;
    // Links in email start here; without `--public-url`, where this server listens.
    config.public_url = Some(config.public_url(Some(listener.local_addr()?)));
    let state = AppState::new(leptos_options, config, store).await?;
    tracing::info!(uploads = %uploads.display(), "attachments ready");
    serve(state, listener, shutdown).await
}

/// Serve `state` on `listener` until `shutdown` resolves, then shut down gracefully. An error
/// if the sequencer stopped by itself: no message could be stored any more, so the process
/// should exit non-zero and be restarted by its supervisor.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = state.store.clone();
    let grace = Duration::from_secs(state.config.shutdown_grace);
    let max_connections = state.config.max_connections;
    let sequencer = state.sequencer.clone();
    let shutdown = async move {
        tokio::select! {
            () = shutdown => {}
            () = sequencer.stopped() => {
                tracing::error!("the sequencer stopped unexpectedly: no message can be stored; stopping");
            }
        }
    };

    let app = router(state.clone());
    uploads::spawn_sweeper(state.clone());
    accounts::deactivation::watch(state.clone());
    messages::retention::spawn(state.clone());
    exports::sweep::spawn(state.clone());
    state.hub.spawn_counts();
    let addr = listener.local_addr()?;
    mail::digests::spawn(state.clone(), state.config.public_url(Some(addr)));
    tracing::info!("listening on http://{addr}");
    let (signal, hub) = (state.shutdown.clone(), state.hub.clone());
    let shutdown = async move {
        shutdown.await;
        tracing::info!("shutting down: closing connections");
        signal.send_replace(true);
        hub.close_all(crate::protocol::CLOSE_SHUTTING_DOWN);
    };
    // One deadline for everything shutdown waits on, from the moment it starts.
    let deadline = listener::serve(listener, app, &state.config, shutdown, grace).await;

    // Upgraded WebSockets outlive the accept loop; each holds a permit until its close is sent.
    let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout_at(deadline, state.connections.acquire_many(all)).await.is_err() {
        tracing::warn!("some connections did not close within {grace:?}");
    }
    // Still running here unless it stopped by itself: only `shutdown` below stops it.
    let died = !state.sequencer.is_running();
    state.sequencer.shutdown().await;
    // The pushes of the last messages committed need the store to be worked out.
    if tokio::time::timeout_at(deadline, state.pusher.drained()).await.is_err() {
        tracing::warn!("some pushes were not sent within {grace:?}");
    }
    store.close().await;
    if died {
        anyhow::bail!("the sequencer stopped unexpectedly");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
