//! A room's outgoing webhooks: each new message of the room — or only those whose first word
//! is one of the webhook's trigger words — is POSTed to a URL its moderators registered,
//! signed (`signing`), as Slack's outgoing webhooks send it (form fields `channel_id`,
//! `channel_name`, `timestamp`, `user_id`, `user_name`, `text`, `trigger_word`, `team_id`,
//! and Banter's `seq`).
//!
//! Why a task of its own, as Web Push has: delivery to open pages must never wait on someone
//! else's server. The sequencer hands over each committed message with a `try_send` into a
//! bounded queue (full: that message is not sent out, and the log says so), on the node that
//! committed it, so each message goes out once however many nodes there are. A delivery that
//! fails (no answer within [`DELIVERY_TIMEOUT`], or not 2xx) is tried again after
//! `--hook-retry-ms`, then twice that, up to [`DELIVERY_ATTEMPTS`] in all; at most
//! [`DELIVERY_CONCURRENCY`] are in flight. Messages by bots are not sent (a handler answering
//! through a webhook would otherwise hear itself), nor thread replies that stay in their
//! thread. Each URL goes through the outbound guard at every attempt.

use crate::ids::{RoomId, RoomName, Seq, UserId, Username};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};

use crate::model::{OutgoingSummary, now_ms};
use crate::server::accounts::users::new_secret;
use crate::server::integrations::{handler_url, signing};
use crate::server::outbound::OutboundPolicy;
use crate::server::storage::store::{Store, StoreError};

pub use crate::model::MAX_OUTGOING_PER_ROOM;
/// Messages waiting to be sent out; beyond it they are dropped (and logged).
pub const OUTGOING_QUEUE: usize = 1_024;
/// Deliveries in flight at once.
pub const DELIVERY_CONCURRENCY: usize = 16;
/// Tries per delivery, the first included.
pub const DELIVERY_ATTEMPTS: u32 = 4;
/// How long one delivery may take.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest trigger list, in characters.
pub const MAX_TRIGGERS_CHARS: usize = 200;

/// A committed message, as far as sending it out is concerned.
#[derive(Debug, Clone)]
pub struct Committed {
    pub room_id: RoomId,
    pub room: RoomName,
    pub seq: Seq,
    pub author_id: Option<UserId>,
    pub username: Username,
    pub text: String,
    pub ts: i64,
}

/// One of a room's outgoing webhooks, as delivering needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Target {
    id: i64,
    url: String,
    triggers: String,
    secret: String,
}

impl Store {
    /// Register an outgoing webhook for the room: `url` (checked), `triggers` (space-separated
    /// words; empty: every message). `None` past [`MAX_OUTGOING_PER_ROOM`].
    pub async fn create_outgoing(
        &self,
        room_id: RoomId,
        creator_id: UserId,
        url: &str,
        triggers: &str,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin().await?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outgoing_hooks WHERE room_id = $1")
            .bind(room_id)
            .fetch_one(&mut *tx)
            .await?;
        if usize::try_from(count).unwrap_or(usize::MAX) >= MAX_OUTGOING_PER_ROOM {
            return Ok(None);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outgoing_hooks (room_id, url, triggers, secret, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(room_id)
        .bind(url)
        .bind(triggers)
        .bind(new_secret())
        .bind(creator_id)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// The room's outgoing webhooks, the oldest first.
    pub async fn outgoing_in(&self, room_id: RoomId) -> Result<Vec<OutgoingSummary>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT o.id, o.url, o.triggers, o.secret, u.username AS created_by, o.created_at, o.last_status, o.last_at
             FROM outgoing_hooks o LEFT JOIN users u ON u.id = o.created_by WHERE o.room_id = $1 ORDER BY o.id",
        )
        .bind(room_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Remove the room's outgoing webhook `id`; whether there was one.
    pub async fn delete_outgoing(&self, room_id: RoomId, id: i64) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM outgoing_hooks WHERE id = $1 AND room_id = $2")
            .bind(id)
            .bind(room_id)
            .execute(self.pool())
            .await?;
        Ok(deleted.rows_affected() > 0)
    }

    async fn targets(&self, room_id: RoomId) -> Result<Vec<Target>, StoreError> {
        Ok(sqlx::query_as("SELECT id, url, triggers, secret FROM outgoing_hooks WHERE room_id = $1")
            .bind(room_id)
            .fetch_all(self.pool())
            .await?)
    }

    async fn delivered(&self, id: i64, status: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE outgoing_hooks SET last_status = $1, last_at = $2 WHERE id = $3")
            .bind(status)
            .bind(now_ms())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

/// The trigger word `text` starts with, if `triggers` names it; `Some("")` when there are no
/// triggers (every message goes).
pub fn trigger_of<'t>(triggers: &'t str, text: &str) -> Option<&'t str> {
    if triggers.trim().is_empty() {
        return Some("");
    }
    let first = text.split_whitespace().next()?;
    triggers.split_whitespace().find(|word| *word == first)
}

/// The handle the sequencer holds.
#[derive(Clone, Debug)]
pub struct Outgoing {
    tx: mpsc::Sender<Committed>,
}

impl Outgoing {
    /// Start the task that sends messages out.
    pub fn start(
        store: Store,
        outbound: &Arc<OutboundPolicy>,
        allow_http: bool,
        retry: Duration,
    ) -> reqwest::Result<Self> {
        let client = outbound.client(DELIVERY_TIMEOUT)?;
        let (tx, rx) = mpsc::channel(OUTGOING_QUEUE);
        let sender = Sender {
            store,
            outbound: Arc::clone(outbound),
            client,
            allow_http,
            retry,
            permits: Arc::new(Semaphore::new(DELIVERY_CONCURRENCY)),
        };
        tokio::spawn(sender.run(rx));
        Ok(Self { tx })
    }

    /// Hand over a committed message; never waits.
    pub fn committed(&self, message: Committed) {
        if let Err(error) = self.tx.try_send(message) {
            tracing::warn!(%error, "outgoing webhook queue full or closed: this message is not sent out");
        }
    }
}

#[derive(Clone)]
struct Sender {
    store: Store,
    outbound: Arc<OutboundPolicy>,
    client: reqwest::Client,
    allow_http: bool,
    retry: Duration,
    permits: Arc<Semaphore>,
}

impl Sender {
    async fn run(self, mut rx: mpsc::Receiver<Committed>) {
        while let Some(message) = rx.recv().await {
            let targets = match self.store.targets(message.room_id).await {
                Ok(targets) => targets,
                Err(error) => {
                    tracing::warn!(%error, "cannot read a room's outgoing webhooks: a message is not sent out");
                    continue;
                }
            };
            for target in targets {
                let Some(trigger) = trigger_of(&target.triggers, &message.text) else { continue };
                let body = body(&message, trigger);
                let Ok(permit) = Arc::clone(&self.permits).acquire_owned().await else { return };
                let sender = self.clone();
                tokio::spawn(async move {
                    sender.deliver(&target, body).await;
                    drop(permit);
                });
            }
        }
    }

    /// Deliver `body` to `target`, trying again after a failure; notes the last status.
    async fn deliver(&self, target: &Target, body: String) {
        let mut wait = self.retry;
        for attempt in 1..=DELIVERY_ATTEMPTS {
            let status = self.attempt(target, &body).await;
            if let Err(error) = self.store.delivered(target.id, status).await {
                tracing::warn!(%error, hook = target.id, "cannot note an outgoing webhook's delivery");
            }
            if (200..300).contains(&status) {
                return;
            }
            tracing::info!(hook = target.id, status, attempt, "outgoing webhook delivery failed");
            if attempt < DELIVERY_ATTEMPTS {
                tokio::time::sleep(wait).await;
                wait = wait.saturating_mul(2);
            }
        }
    }

    /// One try: the HTTP status, 0 for no answer (or a URL the guard refuses now).
    async fn attempt(&self, target: &Target, body: &str) -> i64 {
        let Ok(url) = handler_url::callable(&target.url, self.allow_http, &self.outbound) else { return 0 };
        let request = signing::signed_request(
            &self.client,
            &url,
            &target.secret,
            "application/x-www-form-urlencoded",
            body.as_bytes().to_vec(),
        );
        match request.send().await {
            Ok(response) => i64::from(response.status().as_u16()),
            Err(_) => 0,
        }
    }
}

/// What is sent for `message`, Slack's outgoing webhook fields and its `seq`.
fn body(message: &Committed, trigger: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("team_id", "banter")
        .append_pair("channel_id", &message.room_id.to_string())
        .append_pair("channel_name", &message.room)
        .append_pair("timestamp", &(message.ts / 1_000).to_string())
        .append_pair("user_id", &message.author_id.unwrap_or_default().to_string())
        .append_pair("user_name", &message.username)
        .append_pair("text", &message.text)
        .append_pair("trigger_word", trigger)
        .append_pair("seq", &message.seq.to_string())
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_are_the_first_word_or_nothing() {
        assert_eq!(trigger_of("", "anything at all"), Some(""));
        assert_eq!(trigger_of("deploy rollback", "deploy web to prod"), Some("deploy"));
        assert_eq!(trigger_of("deploy rollback", "please deploy"), None);
        assert_eq!(trigger_of("deploy", "deployed"), None);
        assert_eq!(trigger_of("deploy", ""), None);
    }
}
