//! What every request handler and connection shares.

use crate::ids::UserId;
use anyhow::Context as _;

use crate::server::integrations::outgoing_hooks::Outgoing;
use crate::server::push::sender::Pusher;
use crate::server::realtime::sequencer::Announcers;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use tokio::sync::{Semaphore, watch};

use crate::server::accounts::signin_throttle::SigninThrottle;
use crate::server::accounts::single_sign_on::provider::Provider;
use crate::server::config::Config;
use crate::server::limits::person_limits::PersonLimits;
use crate::server::limits::rate_limit::Keyed;
use crate::server::limits::shared_limits::{Allowance, SharedLimits};
use crate::server::mail::mailer::Mailer;
use crate::server::media::blobs::BlobStore;
use crate::server::media::object_store::ObjectStore;
use crate::server::outbound::OutboundPolicy;
use crate::server::previews::fetcher::{FETCH_TIMEOUT, Fetcher};
use crate::server::previews::previewer::Previewer;
use crate::server::realtime::cluster::Cluster;
use crate::server::realtime::hub::{ConnId, Hub};
use crate::server::realtime::sequencer::Sequencer;
use crate::server::storage::store::Store;

/// Images decoded at once, at most: each may take up to `media::MAX_DECODE_BYTES`.
pub const MEDIA_WORKERS: usize = 2;

/// Cheap to clone: every field is a handle.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Site root and package names, for rendering pages and serving the bundle.
    pub leptos_options: LeptosOptions,
    /// Limits and timings from the command line.
    pub config: Arc<Config>,
    /// Reads (pages, history) go straight to the store; writes go through the sequencer.
    pub store: Store,
    /// The single writer that orders, commits and broadcasts messages.
    pub sequencer: Sequencer,
    /// The other nodes (Redis), when `--redis-url` is set.
    #[from_ref(skip)]
    pub cluster: Option<Cluster>,
    /// Web Push to devices with no page open.
    #[from_ref(skip)]
    pub pusher: Pusher,
    /// The guard every URL the server calls goes through (kept here for its count).
    #[from_ref(skip)]
    pub outbound: Arc<OutboundPolicy>,
    /// Calls rooms' slash command handlers (through `outbound`, within `--command-timeout-ms`).
    #[from_ref(skip)]
    pub command_client: reqwest::Client,
    /// Email through `--smtp-url` (or none), from a queue of its own.
    #[from_ref(skip)]
    pub mailer: Mailer,
    /// Single sign-on's identity provider (`--oidc-issuer`), or none.
    #[from_ref(skip)]
    pub single_sign_on: Option<Arc<Provider>>,
    /// This server as a passkey relying party, when it has a host name (`--passkey-origin`).
    #[from_ref(skip)]
    pub passkeys: Option<Arc<crate::server::accounts::passkeys::relying_party::RelyingParty>>,
    /// Who is connected where.
    pub hub: Hub,
    /// One permit per open WebSocket: caps connections, and lets shutdown wait for them all.
    pub connections: Arc<Semaphore>,
    /// Flips to `true` when the server starts shutting down, for the background tasks (open
    /// sockets hear it from the hub: `Hub::close_all`).
    pub shutdown: watch::Sender<bool>,
    /// Failed sign-ins per username and address.
    pub throttle: SigninThrottle,
    /// The same counted over every node, when there are several.
    #[from_ref(skip)]
    pub shared_limits: Option<SharedLimits>,
    /// What each person (or address) may do per second, over all their connections.
    pub limits: PersonLimits,
    /// Attachment bytes.
    pub blobs: BlobStore,
    /// Images being processed at once (decoding is CPU- and memory-heavy).
    #[from_ref(skip)]
    pub media_permits: Arc<Semaphore>,
    /// Exports being made at once on this node (`server::exports::builder`).
    #[from_ref(skip)]
    pub export_permits: Arc<Semaphore>,
    /// Source of connection ids for logs and `welcome`.
    next_conn: Arc<AtomicU64>,
}

impl AppState {
    /// Whether the account is a server administrator: named by `--admins`, or made one with
    /// `banter admin grant-admin` (read afresh each time: a revocation holds at once).
    pub async fn is_admin(&self, user_id: UserId, username: &str) -> bool {
        let named = self.config.admins.iter().any(|admin| admin.trim().eq_ignore_ascii_case(username));
        named
            || self.store.is_admin(user_id).await.unwrap_or_else(|error| {
                tracing::warn!(%error, "cannot read whether an account is an administrator");
                false
            })
    }

    /// Fails if the attachments directory cannot be made or the push key cannot be loaded.
    pub async fn new(leptos_options: LeptosOptions, config: Config, store: Store) -> anyhow::Result<Self> {
        let hub = Hub::new();
        let uploads = config.uploads_dir();
        let bucket = match &config.object_store_url {
            Some(url) => {
                let (Some(key), Some(secret)) =
                    (&config.object_store_access_key, &config.object_store_secret_key)
                else {
                    anyhow::bail!("--object-store-url needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
                };
                let credentials = rusty_s3::Credentials::new(key.expose(), secret.expose());
                let bucket = ObjectStore::connect(url, &config.object_store_region, credentials)
                    .await
                    .with_context(|| format!("cannot use the object store {url}"))?;
                tracing::info!(%url, "attachments are kept in the object store");
                Some(bucket)
            }
            None => None,
        };
        let blobs = BlobStore::open(&uploads, bucket)
            .with_context(|| format!("cannot use the attachments directory {}", uploads.display()))?;
        let outbound =
            Arc::new(OutboundPolicy::new(config.outbound_allow.clone(), config.outbound_resolve.clone()));
        let pusher = Pusher::start(
            store.clone(),
            hub.clone(),
            config.push_contact.clone(),
            config.push_allow_http,
            Arc::clone(&outbound),
        )
        .await?;
        let cluster = match &config.redis_url {
            Some(url) => {
                let node = config
                    .node_id
                    .clone()
                    .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()[..8].to_owned());
                tracing::info!(%node, "joining the other nodes through Redis");
                Some(Cluster::start(url, &node, Duration::from_millis(config.presence_timeout_ms.max(1)))?)
            }
            None => None,
        };
        let outgoing = Outgoing::start(
            store.clone(),
            &outbound,
            config.hooks_allow_http,
            Duration::from_millis(config.hook_retry_ms.max(1)),
        )?;
        let command_client = outbound.client(Duration::from_millis(config.command_timeout_ms.max(1)))?;
        let fetcher = Fetcher::new(Arc::clone(&outbound), FETCH_TIMEOUT)?;
        let (previewer, preview_worker) =
            Previewer::new(config.link_previews, fetcher, store.clone(), blobs.clone());
        let sequencer = Sequencer::spawn(
            store.clone(),
            hub.clone(),
            blobs.clone(),
            Announcers { pusher: pusher.clone(), outgoing, previewer },
            cluster.clone(),
        );
        if let Some(worker) = preview_worker {
            worker.start(sequencer.clone());
        }
        if let Some(cluster) = &cluster {
            hub.set_cluster(cluster.clone());
            cluster.listen(
                sequencer.clone(),
                hub.clone(),
                store.clone(),
                Duration::from_millis(config.presence_heartbeat_ms.max(1)),
                Duration::from_millis(config.presence_timeout_ms.max(1)),
            );
        }
        let mailer = Mailer::start(&config)?;
        let single_sign_on = Provider::from_config(&config)?.map(Arc::new);
        if !config.password_sign_in && single_sign_on.is_none() {
            anyhow::bail!("--password-sign-in off needs single sign-on (--oidc-issuer and --oidc-client-id)");
        }
        let passkeys = crate::server::accounts::passkeys::relying_party::from_config(&config)?.map(Arc::new);
        let shared_limits = cluster.as_ref().map(|cluster| SharedLimits::new(cluster.client()));
        let connections = Arc::new(Semaphore::new(config.max_connections));
        let limits = PersonLimits::new(&config);
        Ok(Self {
            leptos_options,
            config: Arc::new(config),
            store,
            sequencer,
            cluster,
            pusher,
            outbound,
            command_client,
            mailer,
            single_sign_on,
            passkeys,
            hub,
            connections,
            shutdown: watch::Sender::new(false),
            throttle: SigninThrottle::new(),
            shared_limits,
            limits,
            blobs,
            media_permits: Arc::new(Semaphore::new(MEDIA_WORKERS)),
            export_permits: Arc::new(Semaphore::new(crate::server::exports::builder::EXPORT_WORKERS)),
            next_conn: Arc::new(AtomicU64::new(1)),
        })
    }

    /// One of `key`'s allowance in `limit`: this node's, then, with several nodes, the one they
    /// all count under the limit's name (`server::limits::shared_limits`). False when either
    /// is spent.
    pub async fn take<K>(&self, limit: &Keyed<K>, key: &K) -> bool
    where
        K: Eq + std::hash::Hash + Clone + std::fmt::Display,
    {
        if !limit.try_take(key, std::time::Instant::now()) {
            return false;
        }
        match &self.shared_limits {
            Some(shared) => {
                shared.take(limit.name(), key, limit.rate(), limit.burst(), limit.lease()).await
                    != Allowance::Spent
            }
            None => true,
        }
    }

    pub fn next_conn_id(&self) -> ConnId {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }
}
