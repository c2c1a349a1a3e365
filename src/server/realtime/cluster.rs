//! Live events between nodes: Redis pub/sub, when `--redis-url` is set.
//!
//! Why Redis carries only what is live: everything a client may need again is in the database,
//! committed before anything is published. So Redis may lose events (a restart, a dropped
//! connection) without losing a message: each node remembers the last `seq` it delivered in
//! every room (`server::realtime::sequencer`), fills any gap from the database before delivering what
//! comes after it, and after losing Redis reads every room its clients are in again.
//!
//! One channel, [`CHANNEL`]; each committed event is published once by the node that committed
//! it (not once per recipient), as the frame its clients got; every node delivers it to its own
//! sockets. Ending connections (removal from a room, sign-out) goes the same way, so a
//! permission change reaches sockets on every node.
//!
//! Publishing never makes the sequencer wait: events go into a bounded queue drained by the
//! publisher task. When that queue is full or Redis is unreachable the event is dropped and,
//! once Redis answers again, a [`ClusterEvent::Resync`] tells every node to read the database.
//!
//! While a node is not listening to Redis (it went away, or has not answered yet) it does not
//! wait for it: every [`OUTAGE_READ_INTERVAL`] it reads from the database what the others
//! committed in the rooms its sockets are in (`Sequencer::catch_up`), so messages keep
//! crossing nodes through an outage, a little later than through Redis.

use crate::ids::{RoomId, RoomName, Seq, UserId};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::server::realtime::hub::Hub;
use crate::server::realtime::presence::{InRoom, announce_person};
use crate::server::realtime::sequencer::Sequencer;
use crate::server::storage::store::AccessVersion;
use crate::server::storage::store::Store;

/// The pub/sub channel every node publishes to and listens on.
pub const CHANNEL: &str = "banter:events";
/// Events waiting for the publisher before new ones are dropped (and a resync follows).
pub const PUBLISH_QUEUE: usize = 16_384;
/// How long a node waits between attempts to reach Redis again.
pub const RECONNECT_DELAY: Duration = Duration::from_millis(250);
/// How often a node that is not listening to Redis reads the other nodes' commits from the
/// database instead.
pub const OUTAGE_READ_INTERVAL: Duration = Duration::from_millis(100);

/// What one node tells the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClusterEvent {
    /// A committed event of a room (a message, an edit, a deletion, reactions): `frame` is the
    /// server frame its members get, `seq` its place in the room.
    Frame {
        room_id: RoomId,
        room: RoomName,
        seq: Seq,
        frame: String,
        /// For a new message: the `activity` frame for members connected to other rooms.
        activity: Option<String>,
        /// For a new thread reply: its root, and the `thread_reply` frame for its followers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread_reply: Option<(Seq, String)>,
        /// A read receipt: only for the members who take part in receipts.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        receipt: bool,
        author_id: Option<UserId>,
        /// The room's removals when it was committed: a node that has not heard of them all
        /// checks its sockets' membership before delivering it (`server::realtime::access_watch`).
        #[serde(default)]
        access_version: AccessVersion,
    },
    /// `user_id` was removed from the room (making `access_version`): their sockets in it end.
    Revoke {
        room_id: RoomId,
        user_id: UserId,
        #[serde(default)]
        access_version: AccessVersion,
    },
    /// Every socket of `user_id` ends with `code` (signed out everywhere).
    EndUser { user_id: UserId, code: u16 },
    /// Every socket of one session ends with `code` (the session's hash, hex).
    EndSession { session: String, code: u16 },
    /// Events may have been lost: every node reads its rooms from the database again.
    Resync,
    /// A room's members changed: each node sends its sockets there the list, read anew.
    Members { room_id: RoomId, room: RoomName, created_by: Option<UserId> },
    /// A frame for a room's sockets that is not part of its history: someone typing, a new
    /// topic.
    RoomFrame { room_id: RoomId, frame: String },
    /// A person came into (`present`) or left a room on the sending node.
    Presence { person: InRoom, present: bool },
    /// The sending node's heartbeat: everyone in a room there now.
    Alive { people: Vec<InRoom> },
}

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    node: String,
    event: ClusterEvent,
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("invalid Redis URL: {0}")]
    Url(redis::RedisError),
}

/// A node's link to the others: cheap to clone.
#[derive(Clone, Debug)]
pub struct Cluster {
    node: Arc<str>,
    client: redis::Client,
    queue: mpsc::Sender<ClusterEvent>,
    /// Set when an event could not be published: a resync is owed once Redis answers.
    dropped: Arc<AtomicBool>,
    /// Whether this node is subscribed and has read what it missed: when not, it reads the
    /// other nodes' commits from the database ([`OUTAGE_READ_INTERVAL`]).
    listening: Arc<AtomicBool>,
    /// How long this process counts as alive after each heartbeat (`banter:process:NAME`).
    presence_timeout: Duration,
}

impl Cluster {
    /// Connect lazily to `url` as node `node` and start the publisher. Listening starts with
    /// [`Cluster::listen`], once the sequencer it feeds exists.
    ///
    /// The name the others know this process by is `node` and a random tail: two processes
    /// given the same `--node-id` (or one restarted) never take each other's events for their
    /// own, and a dead process's socket counts are not mistaken for a live one's.
    pub fn start(url: &str, node: &str, presence_timeout: Duration) -> Result<Self, ClusterError> {
        let client = redis::Client::open(url).map_err(ClusterError::Url)?;
        let (queue, pending) = mpsc::channel(PUBLISH_QUEUE);
        let process = format!("{node}.{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let cluster = Self {
            node: Arc::from(process),
            client,
            queue,
            dropped: Arc::new(AtomicBool::new(false)),
            listening: Arc::new(AtomicBool::new(false)),
            presence_timeout,
        };
        tokio::spawn(cluster.clone().publish_loop(pending));
        Ok(cluster)
    }

    /// This process's name among the nodes.
    pub fn node(&self) -> &Arc<str> {
        &self.node
    }

    /// The Redis client, for what the nodes share besides events (`server::limits::shared_limits`).
    pub fn client(&self) -> redis::Client {
        self.client.clone()
    }

    /// Tell the other nodes; never waits.
    pub fn publish(&self, event: ClusterEvent) {
        if self.queue.try_send(event).is_err() {
            self.dropped.store(true, Ordering::Relaxed);
        }
    }

    /// Deliver what the other nodes publish: room events through `sequencer` (which keeps
    /// each room's order), the end of sockets through `hub`. Reconnects for as long as the
    /// sequencer runs; after every (re)subscription the sequencer reads its rooms again.
    pub fn listen(
        &self,
        sequencer: Sequencer,
        hub: Hub,
        store: Store,
        heartbeat: Duration,
        timeout: Duration,
    ) {
        tokio::spawn(self.clone().listen_loop(sequencer.clone(), hub.clone(), store.clone()));
        tokio::spawn(self.clone().outage_loop(sequencer.clone()));
        tokio::spawn(self.clone().heartbeat_loop(sequencer, hub, store, heartbeat, timeout));
    }

    /// Every `heartbeat`: tell the others everyone here, and take the nodes not heard from
    /// within `timeout` for dead (their people go offline here).
    async fn heartbeat_loop(
        self,
        sequencer: Sequencer,
        hub: Hub,
        store: Store,
        heartbeat: Duration,
        timeout: Duration,
    ) {
        let mut ticks = tokio::time::interval(heartbeat);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while sequencer.is_running() {
            ticks.tick().await;
            self.publish(ClusterEvent::Alive { people: hub.people_here() });
            let flips = hub.remote().expire(timeout, std::time::Instant::now());
            for (user_id, username, online) in hub.apply_remote(flips) {
                announce_person(&store, &hub, user_id, username, online);
            }
        }
    }

    /// Every [`OUTAGE_READ_INTERVAL`] while not listening: the other nodes' commits, from the
    /// database. One read at a time; none while Redis carries the events.
    async fn outage_loop(self, sequencer: Sequencer) {
        let mut ticks = tokio::time::interval(OUTAGE_READ_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while sequencer.is_running() {
            ticks.tick().await;
            if !self.listening.load(Ordering::Acquire) && sequencer.catch_up().await.is_err() {
                return;
            }
        }
    }

    async fn listen_loop(self, sequencer: Sequencer, hub: Hub, store: Store) {
        let mut outage = Outage::default();
        while sequencer.is_running() {
            match self.client.get_async_pubsub().await {
                Ok(mut pubsub) => match pubsub.subscribe(CHANNEL).await {
                    Ok(()) => {
                        outage.over("listening");
                        tracing::info!(node = %self.node, "listening to the other nodes");
                        // Whatever was published while this node was not listening.
                        if sequencer.remote(ClusterEvent::Resync).await.is_err() {
                            return;
                        }
                        self.listening.store(true, Ordering::Release);
                        let mut messages = pubsub.into_on_message();
                        while let Some(message) = messages.next().await {
                            let Ok(payload) = message.get_payload::<String>() else { continue };
                            match serde_json::from_str::<Envelope>(&payload) {
                                Ok(envelope) if envelope.node == *self.node => {}
                                Ok(envelope) => {
                                    let delivered = self
                                        .deliver(&envelope.node, envelope.event, &sequencer, &hub, &store)
                                        .await;
                                    if delivered.is_err() {
                                        return;
                                    }
                                }
                                Err(error) => tracing::warn!(%error, "an unreadable event from Redis"),
                            }
                        }
                        self.listening.store(false, Ordering::Release);
                        tracing::warn!(node = %self.node, "lost the connection to Redis; reconnecting");
                    }
                    Err(error) => outage.failed("listening", &error),
                },
                Err(error) => outage.failed("listening", &error),
            }
            tokio::time::sleep(RECONNECT_DELAY).await;
        }
    }

    async fn deliver(
        &self,
        node: &str,
        event: ClusterEvent,
        sequencer: &Sequencer,
        hub: &Hub,
        store: &Store,
    ) -> Result<(), ()> {
        let now = std::time::Instant::now();
        let flips = match event {
            ClusterEvent::Presence { person, present } => hub.remote().update(node, person, present, now),
            ClusterEvent::Alive { people } => hub.remote().replace(node, people, now),
            ClusterEvent::Members { room_id, room, created_by } => {
                crate::server::rooms::room_members::announce(store, hub, room_id, &room, created_by).await;
                return Ok(());
            }
            event => return self.deliver_in_order(event, sequencer, hub).await,
        };
        for (user_id, username, online) in hub.apply_remote(flips) {
            announce_person(store, hub, user_id, username, online);
        }
        Ok(())
    }

    async fn deliver_in_order(
        &self,
        event: ClusterEvent,
        sequencer: &Sequencer,
        hub: &Hub,
    ) -> Result<(), ()> {
        match event {
            ClusterEvent::RoomFrame { room_id, frame } => {
                hub.broadcast(room_id, axum::extract::ws::Utf8Bytes::from(frame), None);
            }
            ClusterEvent::EndUser { user_id, code } => {
                hub.end_user(user_id, code);
            }
            ClusterEvent::EndSession { session, code } => {
                if let Some(id) = crate::server::accounts::users::SessionId::from_hex(&session) {
                    hub.end_session(&id, code);
                }
            }
            event => sequencer.remote(event).await.map_err(|_| ())?,
        }
        Ok(())
    }

    async fn publish_loop(self, mut pending: mpsc::Receiver<ClusterEvent>) {
        let mut conn: Option<redis::aio::MultiplexedConnection> = None;
        let mut outage = Outage::default();
        while let Some(event) = pending.recv().await {
            if conn.is_none() {
                match self.client.get_multiplexed_async_connection().await {
                    Ok(fresh) => {
                        outage.over("publishing");
                        conn = Some(fresh);
                    }
                    Err(error) => {
                        outage.failed("publishing", &error);
                        self.dropped.store(true, Ordering::Relaxed);
                        tokio::time::sleep(RECONNECT_DELAY).await;
                        continue;
                    }
                }
            }
            let Some(redis) = conn.as_mut() else { continue };
            let mut events = vec![event];
            if self.dropped.swap(false, Ordering::Relaxed) {
                events.insert(0, ClusterEvent::Resync);
            }
            for event in events {
                let heartbeat = matches!(event, ClusterEvent::Alive { .. });
                let envelope = Envelope { node: self.node.to_string(), event };
                let Ok(payload) = serde_json::to_string(&envelope) else { continue };
                let mut command = redis::pipe();
                command.cmd("PUBLISH").arg(CHANNEL).arg(payload).ignore();
                if heartbeat {
                    // This process is alive for the shared socket counts (`server::limits::shared_limits`).
                    let ttl = u64::try_from(self.presence_timeout.as_millis()).unwrap_or(u64::MAX);
                    command
                        .cmd("SET")
                        .arg(format!("banter:process:{}", self.node))
                        .arg(1)
                        .arg("PX")
                        .arg(ttl)
                        .ignore();
                }
                let published: redis::RedisResult<()> = command.query_async(redis).await;
                if let Err(error) = published {
                    tracing::warn!(%error, "lost Redis while publishing; a resync follows");
                    self.dropped.store(true, Ordering::Relaxed);
                    conn = None;
                    break;
                }
            }
        }
    }
}

/// One warning when Redis stops answering and one line when it is back, however many
/// attempts come in between (they are retried every [`RECONNECT_DELAY`]).
#[derive(Debug, Default)]
struct Outage {
    since: Option<std::time::Instant>,
}

impl Outage {
    fn failed(&mut self, doing: &str, error: &redis::RedisError) {
        if self.since.is_none() {
            tracing::warn!(%error, doing, "cannot reach Redis; retrying (events meanwhile are read from the database)");
            self.since = Some(std::time::Instant::now());
        }
    }

    fn over(&mut self, doing: &str) {
        if let Some(since) = self.since.take() {
            tracing::info!(doing, after_ms = since.elapsed().as_millis(), "Redis answers again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_back_as_written() {
        let event = ClusterEvent::Frame {
            room_id: RoomId(3),
            room: "general".into(),
            seq: Seq(42),
            frame: r#"{"v":1,"type":"message"}"#.into(),
            activity: None,
            thread_reply: Some((Seq(5), r#"{"v":1,"type":"thread_reply"}"#.into())),
            receipt: false,
            author_id: Some(UserId(7)),
            access_version: AccessVersion(2),
        };
        let text = serde_json::to_string(&Envelope { node: "a".into(), event: event.clone() }).expect("json");
        let back: Envelope = serde_json::from_str(&text).expect("parsed");
        assert_eq!((back.node.as_str(), back.event), ("a", event));
    }

    #[test]
    fn events_from_a_node_that_predates_access_versions_still_read() {
        let old = r#"{"node":"a","event":{"type":"revoke","room_id":3,"user_id":9}}"#;
        let back: Envelope = serde_json::from_str(old).expect("parsed");
        assert_eq!(
            back.event,
            ClusterEvent::Revoke { room_id: RoomId(3), user_id: UserId(9), access_version: AccessVersion(0) }
        );
    }
}
