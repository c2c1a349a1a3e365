//! The sequencer: the one task that writes messages. It commits, then broadcasts, in order.
//!
//! Why one task: SQLite has one writer at a time anyway, and a single writer gives each room a
//! strict order for free: `seq` is assigned, committed and broadcast in the same sequence, so
//! no recipient can see 6 before 5. Joining a room goes through here too. A join reads the
//! replay from the store and registers the connection in the hub with no commit in between, so
//! the client's view is the replay followed by the live stream with no gap and no overlap.
//!
//! Several processes on one database (nodes on PostgreSQL): each transaction takes its rooms'
//! numbers from their counter rows, locked until it commits (`Store::claim_seqs`), so writers
//! on different nodes still give out gap-free numbers in commit order. The same lock orders
//! each room's removals with its events: an event committed after a removal is delivered here
//! only once this node's sockets in the room were checked against it (`server::realtime::access_watch`),
//! even if the removal's own news (`revoke`, or Redis) comes later or never.
//!
//! Group commit: whatever posts are queued when the task wakes (up to [`MAX_BATCH`]) share one
//! transaction, one fsync. Under load this is what keeps the insert rate high while every ack
//! still means "on disk".
//!
//! The task's parts: `commit` (a batch stored, acknowledged, delivered and published),
//! `remote` (what other nodes committed, in order, gaps filled from the store) and `replay`
//! (joining a room). This file holds the handle, what it is sent, and the task's loop.

use crate::ids::{RoomId, RoomName, Seq, UserId};
use std::collections::HashMap;

use tokio::sync::{mpsc, oneshot};

use crate::protocol::{CLOSE_REMOVED, ErrorCode, ResumeFrom, ServerFrame};
use crate::server::integrations::outgoing_hooks::Outgoing;
use crate::server::media::blobs::BlobStore;
use crate::server::messages::history::Refusal;
use crate::server::messages::history::{NewMessage, Stored};
use crate::server::messages::message_changes::{DeleteMessage, EditMessage};
use crate::server::messages::pins::PinMessage;
use crate::server::messages::reactions::ReactMessage;
use crate::server::messages::receipts::ReadUpTo;
use crate::server::previews::previewer::Previewer;
use crate::server::previews::records::PreviewChange;
use crate::server::push::sender::Pusher;
use crate::server::realtime::access_watch::AccessWatch;
use crate::server::realtime::cluster::{Cluster, ClusterEvent};
use crate::server::realtime::hub::{Hub, Outbox, Person};
use crate::server::storage::store::AccessVersion;
use crate::server::storage::store::{RoomClaim, Store};

mod commit;
mod remote;
mod replay;

/// Most posts committed in one transaction.
pub const MAX_BATCH: usize = 256;
/// A replay is at most half the connection's byte budget (`--queue-bytes`), sent in frames of
/// a thirty-second of the budget (within these bounds): at most 16 frames, so it fits any
/// queue (`outbound_queue::MIN_QUEUE_FRAMES`), and no frame outgrows the transport's write
/// buffer.
pub const REPLAY_CHUNK_MIN_BYTES: usize = 32 * 1024;
pub const REPLAY_CHUNK_MAX_BYTES: usize = 1024 * 1024;
/// Messages read from the store at a time while gathering a replay.
pub const REPLAY_READ_ROWS: usize = 100;
/// Commands waiting for the sequencer before senders wait (back-pressure on the sender only).
pub const QUEUE_CAPACITY: usize = 4_096;

/// A batch's outcomes, the rooms' counters before it, and the files of deleted messages.
type Batch = (Vec<Stored>, HashMap<RoomId, RoomClaim>, Vec<crate::attachments::AttachmentId>);

/// Where the outcome of a post goes.
#[derive(Debug)]
pub enum PostReply {
    /// A WebSocket sender: an `ack` (or `error`) frame on its own queue.
    Socket(Outbox),
    /// A server function (the no-JavaScript form): the stored `seq`.
    Call(oneshot::Sender<Result<Seq, SequencerError>>),
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum SequencerError {
    #[error("the message store is unavailable; try again")]
    StoreUnavailable,
    #[error("the server is shutting down")]
    ShuttingDown,
    /// The person is not (or no longer) allowed in the room.
    #[error("not a member of the room")]
    NotAllowed,
    /// The store refused the write (an attachment that is not the author's, an edit of
    /// someone else's message …): nothing was stored.
    #[error("{0}")]
    Refused(Refusal),
}

impl SequencerError {
    /// The code a client branches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            SequencerError::Refused(refusal) => refusal.code(),
            SequencerError::NotAllowed => ErrorCode::UnknownRoom,
            SequencerError::StoreUnavailable | SequencerError::ShuttingDown => ErrorCode::StoreUnavailable,
        }
    }
}

/// A write the sequencer puts in the room's order: a new message, or a change to one.
#[derive(Debug)]
pub enum Change {
    Post(NewMessage),
    Edit(EditMessage),
    Delete(DeleteMessage),
    React(ReactMessage),
    Pin(PinMessage),
    /// A link preview found, or removed by its message's author.
    Preview(PreviewChange),
    /// A read position moving on (a receipt, when it passes someone else's message).
    Read(ReadUpTo),
}

impl Change {
    fn room_id(&self) -> RoomId {
        match self {
            Change::Post(m) => m.room_id,
            Change::Edit(e) => e.room_id,
            Change::Delete(d) => d.room_id,
            Change::React(r) => r.room_id,
            Change::Pin(p) => p.room_id,
            Change::Preview(p) => p.room_id,
            Change::Read(r) => r.room_id,
        }
    }

    fn room(&self) -> &str {
        match self {
            Change::Post(m) => &m.room,
            Change::Edit(e) => &e.room,
            Change::Delete(d) => &d.room,
            Change::React(r) => &r.room,
            Change::Pin(p) => &p.room,
            Change::Preview(p) => &p.room,
            Change::Read(r) => &r.room,
        }
    }

    fn client_id(&self) -> &str {
        match self {
            Change::Post(m) => &m.client_id,
            Change::Edit(e) => &e.client_id,
            Change::Delete(d) => &d.client_id,
            Change::React(r) => &r.client_id,
            Change::Pin(p) => &p.client_id,
            Change::Preview(p) => &p.client_id,
            // Nobody is acknowledged a read: it is a server function's call.
            Change::Read(_) => "",
        }
    }
}

#[derive(Debug)]
enum Command {
    Write {
        change: Change,
        reply: PostReply,
    },
    Join {
        room_id: RoomId,
        room: RoomName,
        person: Person,
        after: Option<ResumeFrom>,
        outbox: Outbox,
        reply: oneshot::Sender<Result<(), SequencerError>>,
    },
    /// A person left or was removed from a room: end their connections to it, after
    /// everything queued before.
    Revoke {
        room_id: RoomId,
        user_id: UserId,
        /// The room's version the removal committed (see [`AccessVersion`]).
        access_version: AccessVersion,
        reply: oneshot::Sender<usize>,
    },
    /// What another node published (`server::realtime::cluster`).
    Remote(ClusterEvent),
    /// Redis is away: read what the other nodes committed from the store (answered when done).
    CatchUp(oneshot::Sender<()>),
    /// Finish what is queued, then stop.
    Shutdown(oneshot::Sender<()>),
}

/// Who hears of each committed message besides the room's sockets, each through a queue that
/// is never waited on: Web Push, the room's outgoing webhooks, and link previews.
pub struct Announcers {
    pub pusher: Pusher,
    pub outgoing: Outgoing,
    pub previewer: Previewer,
}

/// Cheap-to-clone handle for sending work to the sequencer task.
#[derive(Clone, Debug)]
pub struct Sequencer {
    tx: mpsc::Sender<Command>,
}

impl Sequencer {
    /// Start the task.
    pub fn spawn(
        store: Store,
        hub: Hub,
        blobs: BlobStore,
        announcers: Announcers,
        cluster: Option<Cluster>,
    ) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        let task = Task {
            store,
            hub,
            blobs,
            pusher: announcers.pusher,
            outgoing: announcers.outgoing,
            previewer: announcers.previewer,
            cluster,
            rx,
            delivered: HashMap::new(),
            access: AccessWatch::default(),
        };
        tokio::spawn(task.run());
        Self { tx }
    }

    /// Queue a message for storing and broadcast. Waits only if the sequencer's queue is full.
    pub async fn post(&self, message: NewMessage, reply: PostReply) -> Result<(), SequencerError> {
        self.write(Change::Post(message), reply).await
    }

    /// Queue any change (a message, an edit, a deletion) for storing and broadcast.
    pub async fn write(&self, change: Change, reply: PostReply) -> Result<(), SequencerError> {
        self.tx.send(Command::Write { change, reply }).await.map_err(|_| SequencerError::ShuttingDown)
    }

    /// Join a room: welcome, replay after `after`, then live.
    pub async fn join(
        &self,
        room_id: RoomId,
        room: RoomName,
        person: Person,
        after: Option<ResumeFrom>,
        outbox: Outbox,
    ) -> Result<(), SequencerError> {
        let (reply, done) = oneshot::channel();
        self.tx
            .send(Command::Join { room_id, room, person, after, outbox, reply })
            .await
            .map_err(|_| SequencerError::ShuttingDown)?;
        done.await.map_err(|_| SequencerError::ShuttingDown)?
    }

    /// End `user_id`'s connections joined to `room_id` with [`CLOSE_REMOVED`], once their
    /// membership is gone from the store. Goes through the task, so a `hello` that checked
    /// membership before the removal is either already in the hub (and ended here) or is
    /// checked again after it (and refused): there is no window in between. Returns how many
    /// connections were ended.
    pub async fn revoke(
        &self,
        room_id: RoomId,
        user_id: UserId,
        access_version: AccessVersion,
    ) -> Result<usize, SequencerError> {
        let (reply, done) = oneshot::channel();
        self.tx
            .send(Command::Revoke { room_id, user_id, access_version, reply })
            .await
            .map_err(|_| SequencerError::ShuttingDown)?;
        done.await.map_err(|_| SequencerError::ShuttingDown)
    }

    /// Hand the task what another node published, in the order it arrived.
    pub async fn remote(&self, event: ClusterEvent) -> Result<(), SequencerError> {
        self.tx.send(Command::Remote(event)).await.map_err(|_| SequencerError::ShuttingDown)
    }

    /// While Redis is away, deliver what the other nodes committed in the rooms this node's
    /// sockets are in, read from the store; resolves when done (`server::realtime::cluster`).
    pub async fn catch_up(&self) -> Result<(), SequencerError> {
        let (reply, done) = oneshot::channel();
        self.tx.send(Command::CatchUp(reply)).await.map_err(|_| SequencerError::ShuttingDown)?;
        done.await.map_err(|_| SequencerError::ShuttingDown)
    }

    /// Whether the task is still taking work.
    pub fn is_running(&self) -> bool {
        !self.tx.is_closed()
    }

    /// Resolves when the task has stopped, for whatever reason.
    pub async fn stopped(&self) {
        self.tx.closed().await;
    }

    /// Commit everything queued so far, then stop the task.
    pub async fn shutdown(&self) {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Command::Shutdown(reply)).await.is_ok() {
            let _stopped = done.await;
        }
    }
}

struct Task {
    store: Store,
    hub: Hub,
    /// Where a deleted message's files are removed from, after the commit.
    blobs: BlobStore,
    /// Where each new message goes for Web Push (never waited on).
    pusher: Pusher,
    /// Where each new message goes for the room's outgoing webhooks (never waited on).
    outgoing: Outgoing,
    /// Where each new message with a web link goes for its preview (never waited on).
    previewer: Previewer,
    /// The other nodes, when there are any: told of every commit, and heard from.
    cluster: Option<Cluster>,
    rx: mpsc::Receiver<Command>,
    /// Per room, the highest `seq` this node's sockets have been given (every event up to it,
    /// in order). On one node it is also the room's latest, so a joiner's `welcome` needs no
    /// query. Numbers are given out from the rooms' counter rows (`Store::claim_seqs`).
    delivered: HashMap<RoomId, Seq>,
    /// Per room, the removals its sockets here have been checked against.
    access: AccessWatch,
}

impl Task {
    async fn run(mut self) {
        let mut commands = Vec::with_capacity(MAX_BATCH);
        while self.rx.recv_many(&mut commands, MAX_BATCH).await > 0 {
            let mut posts = Vec::new();
            for command in commands.drain(..) {
                match command {
                    // A connection the server has ended (removed, signed out) is heard no more.
                    Command::Write { reply: PostReply::Socket(outbox), .. } if outbox.is_ending() => {}
                    Command::Write { change, reply } => posts.push((change, reply)),
                    Command::Revoke { room_id, user_id, access_version, reply } => {
                        self.commit(std::mem::take(&mut posts)).await;
                        let ended = self.hub.end_in_room(room_id, user_id, CLOSE_REMOVED);
                        self.access.revoked(room_id, access_version);
                        if let Some(cluster) = &self.cluster {
                            cluster.publish(ClusterEvent::Revoke { room_id, user_id, access_version });
                        }
                        let _caller_gone = reply.send(ended);
                    }
                    Command::Join { room_id, room, person, after, outbox, reply } => {
                        // Posts queued before this join are committed and broadcast first, so
                        // the joiner sees them in its replay, not twice.
                        self.commit(std::mem::take(&mut posts)).await;
                        let result = self.join(room_id, &room, &person, after, outbox).await;
                        let _joiner_gone = reply.send(result);
                    }
                    Command::Remote(event) => {
                        self.commit(std::mem::take(&mut posts)).await;
                        if let Err(error) = self.remote(event).await {
                            tracing::error!(%error, "could not read the store for another node's event");
                        }
                    }
                    Command::CatchUp(done) => {
                        self.commit(std::mem::take(&mut posts)).await;
                        if let Err(error) = self.catch_up().await {
                            tracing::warn!(%error, "could not read the store for the other nodes' events");
                        }
                        let _caller_gone = done.send(());
                    }
                    Command::Shutdown(done) => {
                        self.commit(std::mem::take(&mut posts)).await;
                        tracing::info!("sequencer drained");
                        let _ = done.send(());
                        return;
                    }
                }
            }
            self.commit(posts).await;
        }
    }
}

/// Who in a room is given one of its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    /// Every connection joined to the room.
    Room,
    /// Only the members who take part in read receipts (`Store::receipt_audience`).
    Receipts,
}

impl Audience {
    fn of(frame: &ServerFrame) -> Self {
        match frame {
            ServerFrame::Read { .. } => Audience::Receipts,
            _ => Audience::Room,
        }
    }
}

/// The `seq` of a change's frame (`edited`, `deleted`, `reactions`, `pinned`, `read`).
fn change_seq(frame: &ServerFrame) -> Seq {
    frame.change_seq().unwrap_or_default()
}
