//! Web Push: telling a person's devices about a message that concerns them when they have no
//! page open, through each device's push service (RFC 8030), encrypted for that device (RFC
//! 8291, aes128gcm) and signed with the server's VAPID key (RFC 8292).
//!
//! Why a task of its own: delivery to open pages must never wait on a push service. The
//! sequencer hands over each committed message with a `try_send` into a bounded queue (full:
//! the push is dropped and logged, the message is not delayed); this task looks up, at that
//! moment, who in the room should hear of it (members only, with their level and pause,
//! with no open connection) and sends at most [`PUSH_CONCURRENCY`] requests at a time, each
//! bounded by [`PUSH_TIMEOUT`]. A push service answering 404 or 410 has dropped the
//! subscription, and so does Banter. A shutdown waits for the queue and the requests in
//! flight ([`Pusher::drained`], within `--shutdown-grace`) before it closes the store: a
//! message stored just before a restart is pushed as any other.
//!
//! Every endpoint is a URL someone handed over, so it goes through the outbound guard
//! (`server::outbound`) when subscribed and again at every push. The VAPID token is signed
//! here rather than by `web-push-native`, whose audience leaves out the endpoint's port
//! (RFC 8292 §2 asks for the origin, port included) and whose expiry is the push's whole TTL
//! (24 h, the RFC's maximum, which a push service whose clock runs ahead refuses).

use crate::ids::{RoomId, RoomName, Seq, UserId, Username};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding as _};
use serde::Serialize;
use tokio::sync::{Notify, Semaphore, mpsc};
use web_push_native::jwt_simple::algorithms::{
    ECDSAP256KeyPairLike as _, ECDSAP256PublicKeyLike as _, ES256KeyPair,
};
use web_push_native::jwt_simple::claims::Claims;
use web_push_native::p256::PublicKey;
use web_push_native::{Auth, WebPushBuilder};

use crate::notifications::{Incoming, concerns};
use crate::rooms::RoomKind;
use crate::server::outbound::{OutboundError, OutboundPolicy};
use crate::server::push::subscriptions::Subscription;
use crate::server::realtime::hub::Hub;
use crate::server::storage::store::Store;

/// Messages waiting for their pushes to be worked out; beyond it pushes are dropped.
pub const PUSH_QUEUE: usize = 1_024;
/// Push requests in flight at once.
pub const PUSH_CONCURRENCY: usize = 32;
/// Pushes encrypted and signed at once (each is ECDH, AES-GCM and an ES256 signature): one
/// core at most, whatever the number of devices, so delivery to open pages keeps the rest.
pub const PUSH_CRYPTO_WORKERS: usize = 1;
/// How long one push service may take to answer.
pub const PUSH_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a push service should keep trying to deliver (the `TTL` header).
pub const PUSH_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How long a VAPID token is valid: RFC 8292 allows at most 24 hours; half leaves room for a
/// push service whose clock runs ahead of ours.
pub const VAPID_VALIDITY_HOURS: u64 = 12;
/// Longest push endpoint URL taken.
pub const MAX_ENDPOINT_BYTES: usize = 1_024;

/// A committed message, as far as pushing it is concerned.
#[derive(Debug, Clone)]
pub struct Posted {
    pub room_id: RoomId,
    pub room: RoomName,
    pub seq: Seq,
    pub author_id: Option<UserId>,
    /// The author's display name and username.
    pub author: String,
    pub username: Username,
    pub mentions: Vec<Username>,
    pub excerpt: String,
    /// The thread it is a reply in (its root), if it is.
    pub thread_root: Option<Seq>,
    /// A reply in a thread, not sent to the room.
    pub thread_only: bool,
}

/// What a device receives (decrypted, in its service worker): what the notification shows
/// and where a click goes. Nothing more: no other text of the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PushPayload {
    pub title: String,
    pub body: String,
    /// One notification per message, however many devices and tabs.
    pub tag: String,
    pub url: String,
}

/// Why a subscription was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    #[error("the endpoint is not an https URL (of at most {MAX_ENDPOINT_BYTES} bytes)")]
    Endpoint,
    #[error("the endpoint cannot be used: {0}")]
    Refused(#[from] OutboundError),
    #[error("the p256dh key is not a P-256 public key in base64url")]
    Key,
    #[error("the auth secret is not 16 bytes in base64url")]
    Auth,
}

/// The handle the sequencer and the API hold.
#[derive(Clone)]
pub struct Pusher {
    tx: mpsc::Sender<Posted>,
    public_key: Arc<str>,
    allow_http: bool,
    /// What endpoints may be called: checked at subscribe time too, for a clear error.
    outbound: Arc<OutboundPolicy>,
    backlog: Arc<Backlog>,
    permits: Arc<Semaphore>,
}

impl Pusher {
    /// Load (or make, on first start) the VAPID key and start the task.
    pub async fn start(
        store: Store,
        hub: Hub,
        contact: String,
        allow_http: bool,
        outbound: Arc<OutboundPolicy>,
    ) -> anyhow::Result<Self> {
        let bytes = store.vapid_key(|| ES256KeyPair::generate().to_bytes()).await?;
        let key = ES256KeyPair::from_bytes(&bytes).map_err(|e| anyhow::anyhow!("stored VAPID key: {e}"))?;
        let public_key =
            Base64UrlUnpadded::encode_string(&key.public_key().public_key().to_bytes_uncompressed());
        let client = outbound.client(PUSH_TIMEOUT)?;
        let (tx, rx) = mpsc::channel(PUSH_QUEUE);
        let signer = Arc::new(Signer { key, contact, public_key: public_key.clone() });
        let backlog = Arc::new(Backlog::default());
        let permits = Arc::new(Semaphore::new(PUSH_CONCURRENCY));
        let sender = Sender {
            store,
            hub,
            signer,
            outbound: Arc::clone(&outbound),
            client,
            backlog: Arc::clone(&backlog),
            permits: Arc::clone(&permits),
        };
        tokio::spawn(sender.run(rx));
        Ok(Self { tx, public_key: Arc::from(public_key), allow_http, outbound, backlog, permits })
    }

    /// Once every message handed over has had its pushes worked out and every push request
    /// has been answered (or timed out): what a shutdown waits for, within its grace, before
    /// it closes the store.
    pub async fn drained(&self) {
        self.backlog.empty().await;
        let all = u32::try_from(PUSH_CONCURRENCY).unwrap_or(u32::MAX);
        // Each request holds a permit until it is done; the semaphore is never closed.
        let _all = self.permits.acquire_many(all).await;
    }

    /// The VAPID public key, base64url: what the page subscribes with.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// Hand over a committed message; never waits.
    pub fn posted(&self, message: Posted) {
        self.backlog.add();
        if let Err(error) = self.tx.try_send(message) {
            self.backlog.done();
            tracing::warn!(%error, "push queue full or closed: this message is not pushed");
        }
    }

    /// Check a subscription the browser made before keeping it: its form, then whether the
    /// server may call its endpoint at all.
    pub async fn check(&self, endpoint: &str, p256dh: &str, auth: &str) -> Result<(), SubscriptionError> {
        check_subscription(endpoint, p256dh, auth, self.allow_http)?;
        let url: url::Url = endpoint.parse().map_err(|_| SubscriptionError::Endpoint)?;
        Ok(self.outbound.check_url(&url).await?)
    }
}

/// A subscription is an `https://` URL with a host (or `http://` when allowed), a P-256
/// public key and a 16-byte secret.
fn check_subscription(
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    allow_http: bool,
) -> Result<(), SubscriptionError> {
    let scheme_ok = endpoint.starts_with("https://") || (allow_http && endpoint.starts_with("http://"));
    // Both parsers must take it: `url` is what the guard checks, `http` what the push is
    // built with.
    let uri: Option<axum::http::Uri> = endpoint.parse().ok();
    let parsed = url::Url::parse(endpoint).ok().filter(|u| u.host().is_some());
    if !scheme_ok
        || endpoint.len() > MAX_ENDPOINT_BYTES
        || uri.and_then(|u| u.host().map(str::len)).is_none()
        || parsed.is_none()
    {
        return Err(SubscriptionError::Endpoint);
    }
    decode_key(p256dh).ok_or(SubscriptionError::Key)?;
    decode_auth(auth).ok_or(SubscriptionError::Auth)?;
    Ok(())
}

fn decode_key(p256dh: &str) -> Option<PublicKey> {
    PublicKey::from_sec1_bytes(&Base64UrlUnpadded::decode_vec(p256dh.trim_end_matches('=')).ok()?).ok()
}

fn decode_auth(auth: &str) -> Option<Auth> {
    let bytes = Base64UrlUnpadded::decode_vec(auth.trim_end_matches('=')).ok()?;
    (bytes.len() == 16).then(|| Auth::clone_from_slice(&bytes))
}

/// Signs each push's VAPID token (RFC 8292).
struct Signer {
    key: ES256KeyPair,
    /// Who runs this server (`sub`).
    contact: String,
    /// The key's public half, base64url (`k=`).
    public_key: String,
}

impl Signer {
    /// The `Authorization` header for a push to `endpoint`: a token for the endpoint's
    /// origin (scheme, host and any non-default port), valid [`VAPID_VALIDITY_HOURS`].
    fn authorization(&self, endpoint: &url::Url) -> Result<String, String> {
        let audience = endpoint.origin().ascii_serialization();
        let claims =
            Claims::create(web_push_native::jwt_simple::prelude::Duration::from_hours(VAPID_VALIDITY_HOURS))
                .with_audience(audience)
                .with_subject(&self.contact);
        let token = self.key.sign(claims).map_err(|e| e.to_string())?;
        Ok(format!("vapid t={token}, k={}", self.public_key))
    }
}

/// The messages handed over whose pushes are not worked out yet: what a shutdown waits for
/// ([`Pusher::drained`]) before it closes the store, so the pushes of the last messages
/// committed before a restart are sent.
#[derive(Default)]
struct Backlog {
    pending: AtomicUsize,
    emptied: Notify,
}

impl Backlog {
    fn add(&self) {
        self.pending.fetch_add(1, Ordering::AcqRel);
    }

    fn done(&self) {
        if self.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.emptied.notify_waiters();
        }
    }

    async fn empty(&self) {
        loop {
            let emptied = self.emptied.notified();
            tokio::pin!(emptied);
            // Registered before the check, so a `done` between the two is not missed.
            emptied.as_mut().enable();
            if self.pending.load(Ordering::Acquire) == 0 {
                return;
            }
            emptied.await;
        }
    }
}

/// The task that works out and sends pushes.
struct Sender {
    store: Store,
    hub: Hub,
    signer: Arc<Signer>,
    outbound: Arc<OutboundPolicy>,
    client: reqwest::Client,
    backlog: Arc<Backlog>,
    /// One per push request in flight: all of them free means none is.
    permits: Arc<Semaphore>,
}

impl Sender {
    async fn run(self, mut rx: mpsc::Receiver<Posted>) {
        while let Some(message) = rx.recv().await {
            // Past the shutdown's grace: what is still queued cannot be worked out any more,
            // and one warning per queued message would bury the log's last lines.
            if self.store.is_closed() {
                tracing::info!(unsent = rx.len() + 1, "shutting down; pushes still queued are dropped");
                break;
            }
            if let Err(error) = self.push(&message).await {
                tracing::warn!(%error, room = %message.room, seq = %message.seq, "could not work out pushes");
            }
            self.backlog.done();
        }
    }

    /// Send `message` to the devices of the members it concerns who have no page open.
    async fn push(&self, message: &Posted) -> anyhow::Result<()> {
        let Some((kind, title)) = self.store.room_label(message.room_id).await? else { return Ok(()) };
        let targets = self.store.push_targets(message.room_id, kind, message.author_id).await?;
        let now = crate::model::now_ms();
        let heard = Incoming {
            author: &message.username,
            mentions: &message.mentions,
            thread_only: message.thread_only,
            followed: false,
        };
        // A thread's followers hear of its replies as of a mention.
        let followers = match message.thread_root {
            Some(root) => self.store.thread_followers(message.room_id, root).await?,
            None => Vec::new(),
        };
        for target in targets {
            let heard = Incoming { followed: followers.contains(&target.user_id), ..heard };
            if self.hub.is_online(target.user_id)
                || !concerns(target.level, &target.username, heard, target.quiet_until, now)
            {
                continue;
            }
            let payload = PushPayload {
                title: if kind == RoomKind::Direct { message.author.clone() } else { format!("#{title}") },
                body: format!("{}: {}", message.author, message.excerpt),
                tag: format!("banter:{}:{}", message.room, message.seq),
                url: crate::model::message_path(&message.room, message.seq, message.thread_root),
            };
            let body = serde_json::to_vec(&payload)?;
            for subscription in target.subscriptions {
                let permit = Arc::clone(&self.permits).acquire_owned().await?;
                let sender = (
                    self.store.clone(),
                    Arc::clone(&self.signer),
                    Arc::clone(&self.outbound),
                    self.client.clone(),
                );
                let body = body.clone();
                let told = Told { user_id: target.user_id, room_id: message.room_id, seq: message.seq };
                tokio::spawn(async move {
                    let (store, signer, outbound, client) = sender;
                    if send(&store, &signer, &outbound, &client, subscription, body).await {
                        // What a device was told, no email digest tells again (`server::mail`).
                        if let Err(error) = store.mark_told(told.user_id, told.room_id, told.seq).await {
                            tracing::warn!(%error, "could not note a delivered push");
                        }
                    }
                    drop(permit);
                });
            }
        }
        Ok(())
    }
}

/// The encrypted, signed request for one device.
fn build(
    signer: &Signer,
    endpoint: &url::Url,
    p256dh: &str,
    auth: &str,
    body: Vec<u8>,
) -> Result<reqwest::Request, String> {
    let (Ok(uri), Some(device), Some(auth)) =
        (endpoint.as_str().parse(), decode_key(p256dh), decode_auth(auth))
    else {
        return Err("a stored subscription no longer parses".to_owned());
    };
    let mut request = WebPushBuilder::new(uri, device, auth)
        .with_valid_duration(PUSH_TTL)
        .build(body)
        .map_err(|e| e.to_string())?;
    let vapid =
        axum::http::HeaderValue::try_from(signer.authorization(endpoint)?).map_err(|e| e.to_string())?;
    request.headers_mut().insert(axum::http::header::AUTHORIZATION, vapid);
    reqwest::Request::try_from(request).map_err(|e| e.to_string())
}

/// Turns at encrypting and signing pushes.
static CRYPTO: Semaphore = Semaphore::const_new(PUSH_CRYPTO_WORKERS);

/// Whom a push told of which message.
struct Told {
    user_id: UserId,
    room_id: RoomId,
    seq: Seq,
}

/// One encrypted, signed push to one device; whether its push service took it. A subscription
/// its push service says is gone is forgotten; any other failure is logged and the push is lost
/// (the page shows the message when next opened, and an email digest may tell of it).
async fn send(
    store: &Store,
    signer: &Arc<Signer>,
    outbound: &OutboundPolicy,
    client: &reqwest::Client,
    to: Subscription,
    body: Vec<u8>,
) -> bool {
    let Ok(endpoint) = url::Url::parse(&to.endpoint) else {
        tracing::warn!("a stored push endpoint no longer parses");
        return false;
    };
    // An address in the URL is checked here; a name, as it resolves (`outbound::Guarded`).
    if let Err(error) = outbound.check_literal(&endpoint) {
        tracing::warn!(%error, "push not sent");
        return false;
    }
    let (p256dh, auth) = (to.p256dh.clone(), to.auth.clone());
    let signer = Arc::clone(signer);
    // Encrypting and signing is CPU work: on the blocking pool, one push at a time
    // (PUSH_CRYPTO_WORKERS), never on the threads that deliver messages to open pages.
    let built = {
        let _turn = CRYPTO.acquire().await;
        tokio::task::spawn_blocking(move || build(&signer, &endpoint, &p256dh, &auth, body)).await
    };
    let request = match built {
        Ok(Ok(request)) => request,
        Ok(Err(error)) => {
            tracing::warn!(%error, "could not build a push");
            return false;
        }
        Err(error) => {
            tracing::warn!(%error, "push building task failed");
            return false;
        }
    };
    match client.execute(request).await {
        Ok(answer) if answer.status().is_success() => return true,
        Ok(answer) if matches!(answer.status().as_u16(), 404 | 410) => {
            tracing::info!(status = %answer.status(), "push subscription gone: forgotten");
            if let Err(error) = store.unsubscribe(None, &to.endpoint).await {
                tracing::warn!(%error, "could not forget a push subscription");
            }
        }
        Ok(answer) => tracing::warn!(status = %answer.status(), "push service refused a push"),
        Err(error) => tracing::warn!(%error, "push service unreachable"),
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real browser's subscription keys (from the web-push-native documentation).
    const P256DH: &str =
        "BLn9b-VR0ca83knDNZ32dCHGyjJp-1riX9ZTN40MqV8K_LpQmLqxC_DoHvqvFXO_nGdAB4W9dogZb_sM-uV4JbY";
    const AUTH: &str = "_ordMnz7uTCmrpBTeUV4Bw";

    #[test]
    fn only_https_endpoints_with_real_keys_are_kept() {
        assert_eq!(check_subscription("https://push.example/abc", P256DH, AUTH, false), Ok(()));
        let plain = check_subscription("http://10.0.0.1/x", P256DH, AUTH, false);
        assert_eq!(plain, Err(SubscriptionError::Endpoint));
        assert_eq!(check_subscription("http://127.0.0.1:9/x", P256DH, AUTH, true), Ok(()));
        assert_eq!(
            check_subscription("file:///etc/passwd", P256DH, AUTH, true),
            Err(SubscriptionError::Endpoint)
        );
        let long = format!("https://push.example/{}", "a".repeat(MAX_ENDPOINT_BYTES));
        assert_eq!(check_subscription(&long, P256DH, AUTH, false), Err(SubscriptionError::Endpoint));
        assert_eq!(
            check_subscription("https://push.example/abc", "AAAA", AUTH, false),
            Err(SubscriptionError::Key)
        );
        assert_eq!(
            check_subscription("https://push.example/abc", P256DH, "c2hvcnQ", false),
            Err(SubscriptionError::Auth)
        );
    }

    #[test]
    fn a_push_decrypts_to_its_payload_with_the_devices_keys() {
        let device = web_push_native::p256::SecretKey::from_slice(&[7u8; 32]).expect("a secret");
        let auth = Auth::clone_from_slice(&[9u8; 16]);
        let payload = PushPayload {
            title: "#general".into(),
            body: "ann: hi".into(),
            tag: "banter:general:1".into(),
            url: "/r/general".into(),
        };
        let plain = serde_json::to_vec(&payload).expect("json");
        let sealed = web_push_native::encrypt(plain.clone(), &device.public_key(), &auth).expect("encrypts");
        assert_ne!(sealed, plain);
        let opened = web_push_native::decrypt(sealed, &device, &auth).expect("decrypts");
        assert_eq!(serde_json::from_slice::<PushPayload>(&opened).expect("payload"), payload);
    }
}
