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

use std::collections::{BTreeSet, HashMap};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{mpsc, oneshot};

use crate::model::ChatMessage;
use crate::protocol::{
    CLOSE_REMOVED, CLOSE_SIGNED_OUT, ErrorCode, HISTORY_PAGE, RESUME_MAX, ResumeFrom, ServerFrame, encode,
};
use crate::server::media::blobs::BlobStore;
use crate::server::messages::message_changes::{DeleteMessage, EditMessage, ReactMessage, Refusal};
use crate::server::push::sender::{Posted, Pusher};
use crate::server::realtime::access_watch::AccessWatch;
use crate::server::realtime::cluster::{Cluster, ClusterEvent};
use crate::server::realtime::hub::{Hub, Outbox, Person};
use crate::server::rooms::membership::AccessVersion;
use crate::server::storage::store::{NewMessage, RoomClaim, Store, StoreError, Stored};

/// Most posts committed in one transaction.
pub const MAX_BATCH: usize = 256;
/// A replay is at most half the connection's byte budget (`--queue-bytes`), sent in frames of
/// a thirty-second of the budget (within these bounds): at most 16 frames, so it fits any
/// queue of [`MIN_QUEUE_FRAMES`], and no frame outgrows the transport's write buffer.
pub const REPLAY_CHUNK_MIN_BYTES: usize = 32 * 1024;
pub const REPLAY_CHUNK_MAX_BYTES: usize = 1024 * 1024;
/// Messages read from the store at a time while gathering a replay.
pub const REPLAY_READ_ROWS: usize = 100;
/// Smallest per-connection queue the server accepts (`--queue-frames` below it is raised).
pub const MIN_QUEUE_FRAMES: usize = 64;
/// Smallest per-connection byte budget the server accepts (`--queue-bytes` below it is raised).
pub const MIN_QUEUE_BYTES: usize = 64 * 1024;
/// Commands waiting for the sequencer before senders wait (back-pressure on the sender only).
pub const QUEUE_CAPACITY: usize = 4_096;

/// A batch's outcomes, the rooms' counters before it, and the files of deleted messages.
type Batch = (Vec<Stored>, HashMap<i64, RoomClaim>, Vec<crate::attachments::AttachmentId>);

/// Where the outcome of a post goes.
#[derive(Debug)]
pub enum PostReply {
    /// A WebSocket sender: an `ack` (or `error`) frame on its own queue.
    Socket(Outbox),
    /// A server function (the no-JavaScript form): the stored `seq`.
    Call(oneshot::Sender<Result<i64, SequencerError>>),
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

/// A write the sequencer puts in the room's order: a new message, an edit or a deletion.
#[derive(Debug)]
pub enum Change {
    Post(NewMessage),
    Edit(EditMessage),
    Delete(DeleteMessage),
    React(ReactMessage),
}

impl Change {
    fn room_id(&self) -> i64 {
        match self {
            Change::Post(m) => m.room_id,
            Change::Edit(e) => e.room_id,
            Change::Delete(d) => d.room_id,
            Change::React(r) => r.room_id,
        }
    }

    fn room(&self) -> &str {
        match self {
            Change::Post(m) => &m.room,
            Change::Edit(e) => &e.room,
            Change::Delete(d) => &d.room,
            Change::React(r) => &r.room,
        }
    }

    fn client_id(&self) -> &str {
        match self {
            Change::Post(m) => &m.client_id,
            Change::Edit(e) => &e.client_id,
            Change::Delete(d) => &d.client_id,
            Change::React(r) => &r.client_id,
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
        room_id: i64,
        room: String,
        person: Person,
        after: Option<ResumeFrom>,
        outbox: Outbox,
        reply: oneshot::Sender<Result<(), SequencerError>>,
    },
    /// A person left or was removed from a room: end their connections to it, after
    /// everything queued before.
    Revoke {
        room_id: i64,
        user_id: i64,
        /// The room's version the removal committed (see [`AccessVersion`]).
        access_version: AccessVersion,
        reply: oneshot::Sender<usize>,
    },
    /// What another node published (`server::realtime::cluster`).
    Remote(ClusterEvent),
    /// Finish what is queued, then stop.
    Shutdown(oneshot::Sender<()>),
}

/// Cheap-to-clone handle for sending work to the sequencer task.
#[derive(Clone, Debug)]
pub struct Sequencer {
    tx: mpsc::Sender<Command>,
}

impl Sequencer {
    /// Start the task.
    pub fn spawn(store: Store, hub: Hub, blobs: BlobStore, pusher: Pusher, cluster: Option<Cluster>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        let task = Task {
            store,
            hub,
            blobs,
            pusher,
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
        room_id: i64,
        room: String,
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
        room_id: i64,
        user_id: i64,
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
    /// The other nodes, when there are any: told of every commit, and heard from.
    cluster: Option<Cluster>,
    rx: mpsc::Receiver<Command>,
    /// Per room, the highest `seq` this node's sockets have been given (every event up to it,
    /// in order). On one node it is also the room's latest, so a joiner's `welcome` needs no
    /// query. Numbers are given out from the rooms' counter rows (`Store::claim_seqs`).
    delivered: HashMap<i64, i64>,
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

    /// The room's latest `seq` as this node's sockets have it. With other nodes the store may
    /// hold more (their events not yet heard): those are delivered first, from the store.
    async fn latest_seq(&mut self, room_id: i64, room: &str) -> Result<i64, StoreError> {
        match self.delivered.get(&room_id).copied() {
            Some(seq) if self.cluster.is_none() => Ok(seq),
            Some(seq) => {
                let stored = self.store.latest_seq(room_id).await?;
                if stored > seq {
                    self.fill(room_id, room, stored).await?;
                }
                Ok(stored.max(seq))
            }
            None => {
                let seq = self.store.latest_seq(room_id).await?;
                self.delivered.insert(room_id, seq);
                Ok(seq)
            }
        }
    }

    /// What another node published.
    async fn remote(&mut self, event: ClusterEvent) -> Result<(), StoreError> {
        match event {
            ClusterEvent::Frame { room_id, room, seq, frame, activity, author_id, access_version } => {
                // A room none of this node's sockets joined since it started: a joiner reads
                // the store.
                if !self.delivered.contains_key(&room_id) {
                    return Ok(());
                }
                // Committed after a removal not heard of here yet: not to the removed.
                if self.access.behind(room_id, access_version) {
                    self.recheck_room(room_id, access_version).await;
                }
                if self.deliver(room_id, &room, seq, Utf8Bytes::from(frame)).await?
                    && let Some(activity) = activity
                {
                    self.notify_activity(&mut HashMap::new(), room_id, author_id, &Utf8Bytes::from(activity))
                        .await;
                }
            }
            ClusterEvent::Revoke { room_id, user_id, access_version } => {
                self.hub.end_in_room(room_id, user_id, CLOSE_REMOVED);
                self.access.revoked(room_id, access_version);
            }
            ClusterEvent::Resync => {
                // Removals and sign-outs published meanwhile may be lost too: the store says
                // who may still read what, before anything more is delivered.
                self.recheck(None).await;
                let rooms: Vec<i64> = self.delivered.keys().copied().collect();
                for room_id in rooms {
                    if self.hub.connections(room_id) == 0 {
                        // Nobody here to tell: forget it, a joiner reads the store.
                        self.delivered.remove(&room_id);
                        self.access.forget(room_id);
                        continue;
                    }
                    let Some(room) = self.store.room_name(room_id).await? else { continue };
                    let stored = self.store.latest_seq(room_id).await?;
                    self.fill(room_id, &room, stored).await?;
                }
            }
            // The cluster listener hands these to the hub directly: no order to keep.
            ClusterEvent::EndUser { .. }
            | ClusterEvent::EndSession { .. }
            | ClusterEvent::Typing { .. }
            | ClusterEvent::Members { .. }
            | ClusterEvent::Presence { .. }
            | ClusterEvent::Alive { .. } => {}
        }
        Ok(())
    }

    /// End the sockets here (those joined to `room`, or all) whose session has ended or whose
    /// person may no longer read their room, as the removal or sign-out's news would have. What
    /// cannot be confirmed ends too (it fails closed): a client reconnects, and its new `hello`
    /// is checked like any other.
    async fn recheck(&mut self, room: Option<i64>) {
        let sessions = match room {
            Some(room_id) => self.hub.sessions_in(room_id),
            None => self.hub.sessions(),
        };
        for session in sessions {
            if !matches!(self.store.session_is_live(&session).await, Ok(true)) {
                self.hub.end_session(&session, CLOSE_SIGNED_OUT);
            }
        }
        for (room_id, user_id) in self.hub.joined() {
            if room.is_none_or(|room| room == room_id)
                && !matches!(self.store.read_access(room_id, user_id).await, Ok(Some(_)))
            {
                self.hub.end_in_room(room_id, user_id, CLOSE_REMOVED);
            }
        }
    }

    /// Check the room's sockets here before an event committed at `version` reaches them.
    async fn recheck_room(&mut self, room_id: i64, version: AccessVersion) {
        self.recheck(Some(room_id)).await;
        tracing::debug!(room_id, ?version, "checked a room's sockets after a removal or sign-out");
        self.access.checked(room_id, version);
    }

    /// Give the room's sockets event `seq` (`frame`), after whatever came before it that they
    /// have not had (read from the store). False if they had it already.
    async fn deliver(
        &mut self,
        room_id: i64,
        room: &str,
        seq: i64,
        frame: Utf8Bytes,
    ) -> Result<bool, StoreError> {
        let had = self.delivered.get(&room_id).copied().unwrap_or(seq - 1);
        if seq <= had {
            return Ok(false);
        }
        if seq > had + 1 {
            self.fill(room_id, room, seq - 1).await?;
        }
        self.hub.broadcast(room_id, frame, None);
        self.delivered.insert(room_id, seq);
        Ok(true)
    }

    /// Broadcast, from the store, the room's events after the last one delivered up to
    /// `up_to`: as a resuming client gets them (messages as they are now, and the changes to
    /// messages delivered before), so no socket sees a gap.
    async fn fill(&mut self, room_id: i64, room: &str, up_to: i64) -> Result<(), StoreError> {
        let Some(after) = self.delivered.get(&room_id).copied() else { return Ok(()) };
        if up_to <= after {
            return Ok(());
        }
        if self.hub.connections(room_id) > 0 {
            // What the store holds may have been committed after a removal not heard of yet.
            let version = self.store.access_version(room_id).await?;
            if self.access.behind(room_id, version) {
                self.recheck_room(room_id, version).await;
            }
            let messages = self.read_between(room_id, room, after, up_to).await?;
            let mut changes = self.store.changes_after(room_id, room, after).await?;
            changes.retain(|change| change_seq(change) <= up_to);
            tracing::debug!(room_id, after, up_to, messages = messages.len(), "filled a gap from the store");
            let mut changes = changes.into_iter().peekable();
            for message in messages {
                while let Some(change) = changes.next_if(|change| change_seq(change) < message.seq) {
                    self.hub.broadcast(room_id, Utf8Bytes::from(encode(&change)), None);
                }
                self.hub.broadcast(room_id, Utf8Bytes::from(encode(&ServerFrame::Message(message))), None);
            }
            for change in changes {
                self.hub.broadcast(room_id, Utf8Bytes::from(encode(&change)), None);
            }
        }
        self.delivered.insert(room_id, up_to);
        Ok(())
    }

    /// The room's messages with `after < seq <= up_to`, oldest first.
    async fn read_between(
        &self,
        room_id: i64,
        room: &str,
        mut after: i64,
        up_to: i64,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let mut read = Vec::new();
        loop {
            let step = self.store.after(room_id, room, after, REPLAY_READ_ROWS).await?;
            let done = step.len() < REPLAY_READ_ROWS;
            for message in step {
                if message.seq > up_to {
                    return Ok(read);
                }
                after = message.seq;
                read.push(message);
            }
            if done {
                return Ok(read);
            }
        }
    }

    async fn commit(&mut self, posts: Vec<(Change, PostReply)>) {
        if posts.is_empty() {
            return;
        }
        match self.store_batch(&posts).await {
            Ok((outcomes, claimed, files)) => {
                for (&room_id, claim) in &claimed {
                    // A room this node has not delivered in since it started begins where the
                    // store stood before this batch.
                    self.delivered.entry(room_id).or_insert(claim.last_seq);
                    // Committed after a removal not heard of here yet: not to the removed.
                    if self.access.behind(room_id, claim.access_version) {
                        self.recheck_room(room_id, claim.access_version).await;
                    }
                }
                let version =
                    |room_id: i64| claimed.get(&room_id).map(|c| c.access_version).unwrap_or_default();
                // Members of each room, looked up once per batch and only when someone is
                // connected elsewhere to be told.
                let mut members: HashMap<i64, Vec<i64>> = HashMap::new();
                for ((change, reply), outcome) in posts.into_iter().zip(outcomes) {
                    let seq = match outcome {
                        Stored::New(stored) => {
                            let seq = stored.seq;
                            let frame = encode(&ServerFrame::Message(stored));
                            let activity = match &change {
                                Change::Post(message) => Some(activity_of(message, seq)),
                                _ => None,
                            };
                            self.publish(&change, seq, &frame, activity.clone(), version(change.room_id()));
                            self.deliver_own(&change, seq, frame).await;
                            if let (Change::Post(message), Some(activity)) = (&change, activity) {
                                let activity = Utf8Bytes::from(activity);
                                self.notify_activity(
                                    &mut members,
                                    message.room_id,
                                    message.author_id,
                                    &activity,
                                )
                                .await;
                                self.pusher.posted(Posted {
                                    room_id: message.room_id,
                                    room: message.room.clone(),
                                    seq,
                                    author_id: message.author_id,
                                    author: message.author.clone(),
                                    username: message.username.clone(),
                                    mentions: message.mentions.iter().map(|m| m.username.clone()).collect(),
                                    excerpt: crate::model::Quote::excerpt_of(&message.body),
                                });
                            }
                            seq
                        }
                        Stored::Changed(frame) => {
                            let seq = change_seq(&frame);
                            let frame = encode(&frame);
                            self.publish(&change, seq, &frame, None, version(change.room_id()));
                            self.deliver_own(&change, seq, frame).await;
                            seq
                        }
                        Stored::Duplicate { seq } => seq,
                        Stored::Refused(refusal) => {
                            reply_err(&self.hub, reply, &change, SequencerError::Refused(refusal));
                            continue;
                        }
                    };
                    reply_ok(&self.hub, reply, &change, seq);
                }
                // The files of deleted messages: their rows are gone with the commit.
                if !files.is_empty() {
                    let blobs = self.blobs.clone();
                    tokio::spawn(async move {
                        for id in files {
                            if let Err(error) = blobs.delete(&id).await {
                                tracing::warn!(%error, %id, "cannot delete a deleted message's file");
                            }
                        }
                    });
                }
            }
            Err(error) => {
                tracing::error!(%error, messages = posts.len(), "could not store messages");
                for (change, reply) in posts {
                    reply_err(&self.hub, reply, &change, SequencerError::StoreUnavailable);
                }
            }
        }
    }

    /// Deliver an event this node committed to its own sockets (after any gap another node's
    /// commits left), logging rather than failing: it is committed, and acked next.
    async fn deliver_own(&mut self, change: &Change, seq: i64, frame: String) {
        if let Err(error) = self.deliver(change.room_id(), change.room(), seq, Utf8Bytes::from(frame)).await {
            tracing::error!(%error, room = change.room_id(), seq, "could not read the events before this one");
        }
    }

    /// Tell the other nodes of a committed event, once, whoever their recipients are.
    fn publish(
        &self,
        change: &Change,
        seq: i64,
        frame: &str,
        activity: Option<String>,
        access_version: AccessVersion,
    ) {
        if let Some(cluster) = &self.cluster {
            cluster.publish(ClusterEvent::Frame {
                room_id: change.room_id(),
                room: change.room().to_owned(),
                seq,
                frame: frame.to_owned(),
                activity,
                access_version,
                author_id: match change {
                    Change::Post(message) => message.author_id,
                    _ => None,
                },
            });
        }
    }

    /// Tell the room's members who are connected to other rooms that it has news (their
    /// unread counts). Best effort: a failed lookup costs a live count, not a message.
    /// `members` caches each room's members for the batch.
    async fn notify_activity(
        &self,
        members: &mut HashMap<i64, Vec<i64>>,
        room_id: i64,
        author_id: Option<i64>,
        activity: &Utf8Bytes,
    ) {
        if !self.hub.anyone_elsewhere(room_id) {
            return;
        }
        if let std::collections::hash_map::Entry::Vacant(entry) = members.entry(room_id) {
            match self.store.member_ids(room_id).await {
                Ok(ids) => {
                    entry.insert(ids);
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot look up room members for unread counts");
                    return;
                }
            }
        }
        let users = members.get(&room_id).map(Vec::as_slice).unwrap_or_default();
        self.hub.notify_elsewhere(room_id, users, author_id, activity);
    }

    /// One transaction for the batch. Returns each post's outcome and each room's latest `seq`
    /// before it; nothing in `self` changes unless the commit succeeds.
    async fn store_batch(&mut self, posts: &[(Change, PostReply)]) -> Result<Batch, StoreError> {
        let ts = now_ms();
        let mut tx = self.store.begin().await?;
        // The rooms' counters, locked in ascending order until the commit.
        let rooms: BTreeSet<i64> = posts.iter().map(|(change, _)| change.room_id()).collect();
        let mut latest = HashMap::with_capacity(rooms.len());
        let mut claimed = HashMap::with_capacity(rooms.len());
        for &room_id in &rooms {
            let claim = Store::claim_seqs(&mut tx, room_id).await?;
            latest.insert(room_id, claim.last_seq);
            claimed.insert(room_id, claim);
        }
        let mut outcomes = Vec::with_capacity(posts.len());
        let mut files = Vec::new();
        for (change, _) in posts {
            let next = latest.get(&change.room_id()).copied().unwrap_or(0) + 1;
            let outcome = match change {
                Change::Post(message) => Store::insert(&mut tx, message, next, ts).await?,
                Change::Edit(edit) => Store::edit(&mut tx, edit, next, ts).await?,
                Change::React(react) => Store::react(&mut tx, react, next, ts).await?,
                Change::Delete(delete) => {
                    let (outcome, gone) = Store::delete(&mut tx, delete, next, ts).await?;
                    files.extend(gone);
                    outcome
                }
            };
            if matches!(outcome, Stored::New(_) | Stored::Changed(_)) {
                latest.insert(change.room_id(), next);
            }
            outcomes.push(outcome);
        }
        for &room_id in &rooms {
            Store::release_seqs(&mut tx, room_id, latest.get(&room_id).copied().unwrap_or(0)).await?;
        }
        tx.commit().await?;
        Ok((outcomes, claimed, files))
    }

    async fn join(
        &mut self,
        room_id: i64,
        room: &str,
        person: &Person,
        after: Option<ResumeFrom>,
        outbox: Outbox,
    ) -> Result<(), SequencerError> {
        // Checked here, in order with `Revoke`, even though the connection checked before
        // asking: a removal may have happened in between.
        match self.store.read_access(room_id, person.user_id).await {
            Ok(Some(version)) => self.access.joined(room_id, version),
            Ok(None) => return Err(SequencerError::NotAllowed),
            Err(error) => {
                tracing::error!(%error, conn = outbox.id, "could not check membership on join");
                return Err(SequencerError::StoreUnavailable);
            }
        }
        let result = self.replay(room_id, room, &person.name, after, &outbox).await;
        match result {
            Ok(()) if outbox.is_ending() => Ok(()),
            Ok(()) => {
                self.hub.join(room_id, person, outbox);
                Ok(())
            }
            Err(error) => {
                tracing::error!(%error, conn = outbox.id, "could not replay history on join");
                Err(SequencerError::StoreUnavailable)
            }
        }
    }

    /// Queue `welcome` and whatever the client missed onto its own queue.
    async fn replay(
        &mut self,
        room_id: i64,
        room: &str,
        name: &str,
        after: Option<ResumeFrom>,
        outbox: &Outbox,
    ) -> Result<(), StoreError> {
        let latest_seq = self.latest_seq(room_id, room).await?;
        let mut online = self.hub.online(room_id);
        if let Err(at) = online.binary_search_by(|n| n.as_str().cmp(name)) {
            online.insert(at, name.to_owned());
        }
        outbox.push_frame(&ServerFrame::Welcome {
            conn_id: outbox.id,
            room: room.to_owned(),
            latest_seq,
            online,
        });
        let resync = match after {
            None => return Ok(()),
            Some(ResumeFrom::Seq(after)) if after > latest_seq => {
                outbox.push_frame(&ServerFrame::Error {
                    code: ErrorCode::InvalidResume,
                    message: format!(
                        "resume position {after} is past the room's latest message {latest_seq}; \
                         sending the latest page instead"
                    ),
                    client_id: None,
                });
                true
            }
            Some(ResumeFrom::Invalid) => {
                outbox.push_frame(&ServerFrame::Error {
                    code: ErrorCode::InvalidResume,
                    message: "`after` must be a non-negative integer; sending the latest page instead"
                        .to_owned(),
                    client_id: None,
                });
                true
            }
            Some(ResumeFrom::Seq(after)) if latest_seq - after > RESUME_MAX => true,
            Some(ResumeFrom::Seq(after)) if after < latest_seq => {
                match self.gather(room_id, room, after, latest_seq, replay_budget(outbox)).await? {
                    Some(messages) => {
                        // Edits and deletions of messages the client already holds. Only up to
                        // `latest_seq`: what another node committed since comes live.
                        let mut changes = self.store.changes_after(room_id, room, after).await?;
                        changes.retain(|change| change_seq(change) <= latest_seq);
                        push_replay(outbox, room, messages, changes, false);
                        false
                    }
                    // Further behind in bytes than the connection may hold: the latest page.
                    None => true,
                }
            }
            Some(ResumeFrom::Seq(_)) => false,
        };
        if resync {
            let mut page = self.store.page(room_id, room, Some(latest_seq + 1), HISTORY_PAGE).await?.messages;
            // Even the latest page is cut to the budget (from its oldest end: the client can
            // load older ones by page).
            let mut bytes: usize = page.iter().map(replay_bytes).sum();
            let budget = replay_budget(outbox);
            let mut drop = 0;
            while bytes > budget && drop < page.len() {
                bytes -= replay_bytes(&page[drop]);
                drop += 1;
            }
            page.drain(..drop);
            push_replay(outbox, room, page, Vec::new(), true);
        }
        Ok(())
    }

    /// Every message after `after` up to `up_to`, read a few at a time; `None` as soon as they
    /// would take more than `budget` bytes (never more than that is read).
    async fn gather(
        &self,
        room_id: i64,
        room: &str,
        mut after: i64,
        up_to: i64,
        budget: usize,
    ) -> Result<Option<Vec<ChatMessage>>, StoreError> {
        let mut gathered = Vec::new();
        let mut bytes = 0;
        loop {
            let step = self.store.after(room_id, room, after, REPLAY_READ_ROWS).await?;
            let done = step.len() < REPLAY_READ_ROWS;
            for message in step {
                if message.seq > up_to {
                    return Ok(Some(gathered));
                }
                bytes += replay_bytes(&message);
                if bytes > budget {
                    return Ok(None);
                }
                after = message.seq;
                gathered.push(message);
            }
            if done {
                return Ok(Some(gathered));
            }
        }
    }
}

/// The `activity` frame for members connected to other rooms: a new message at `seq`.
fn activity_of(message: &NewMessage, seq: i64) -> String {
    encode(&ServerFrame::Activity {
        room: message.room.clone(),
        seq,
        author: message.author.clone(),
        username: message.username.clone(),
        mentions: message.mentions.iter().map(|m| m.username.clone()).collect(),
        excerpt: crate::model::Quote::excerpt_of(&message.body),
    })
}

/// Bytes of queue one replayed message takes, near enough: its text plus the JSON around it.
fn replay_bytes(message: &ChatMessage) -> usize {
    const PER_ATTACHMENT: usize = 320;
    message.body.len()
        + message.html.len()
        + message.author.len()
        + message.username.len()
        + message.client_id.len()
        + message.attachments.len() * PER_ATTACHMENT
        + 96
}

/// Bytes of messages per replay frame for this connection.
fn replay_chunk(outbox: &Outbox) -> usize {
    (outbox.budget() / 32).clamp(REPLAY_CHUNK_MIN_BYTES, REPLAY_CHUNK_MAX_BYTES)
}

/// Half the connection's queue: a replay leaves room for the live messages that follow it.
fn replay_budget(outbox: &Outbox) -> usize {
    outbox.budget() / 2
}

/// Queue stored messages as `messages` frames of about [`replay_chunk`] bytes of text
/// each, with the `changes` (`edited`, `deleted`) in between in `seq` order. Only the first
/// frame of a resync carries `resync: true`; the rest append to it.
fn push_replay(
    outbox: &Outbox,
    room: &str,
    messages: Vec<ChatMessage>,
    changes: Vec<ServerFrame>,
    resync: bool,
) {
    let mut first = true;
    let mut chunk = Vec::new();
    let mut bytes = 0;
    let mut changes = changes.into_iter().peekable();
    let mut messages = messages.into_iter().peekable();
    while let Some(message) = messages.next() {
        let before = |change: &ServerFrame| change_seq(change) < message.seq;
        if changes.peek().is_some_and(before) {
            if !chunk.is_empty() {
                let frame = ServerFrame::Messages {
                    room: room.to_owned(),
                    messages: std::mem::take(&mut chunk),
                    resync: false,
                };
                bytes = 0;
                if !outbox.push_frame(&frame) {
                    outbox.kick();
                    return;
                }
            }
            while let Some(change) = changes.next_if(before) {
                if !outbox.push_frame(&change) {
                    outbox.kick();
                    return;
                }
            }
        }
        bytes += replay_bytes(&message);
        chunk.push(message);
        if bytes >= replay_chunk(outbox) || messages.peek().is_none() {
            let frame = ServerFrame::Messages {
                room: room.to_owned(),
                messages: std::mem::take(&mut chunk),
                resync: resync && first,
            };
            first = false;
            bytes = 0;
            if !outbox.push_frame(&frame) {
                // Its queue cannot hold the replay: the same remedy as any slow consumer.
                outbox.kick();
                return;
            }
        }
    }
    if first && resync {
        outbox.push_frame(&ServerFrame::Messages { room: room.to_owned(), messages: Vec::new(), resync });
    }
    for change in changes {
        if !outbox.push_frame(&change) {
            outbox.kick();
            return;
        }
    }
}

/// The `seq` of an `edited` or `deleted` frame.
fn change_seq(frame: &ServerFrame) -> i64 {
    match frame {
        ServerFrame::Edited { seq, .. }
        | ServerFrame::Deleted { seq, .. }
        | ServerFrame::Reactions { seq, .. } => *seq,
        _ => 0,
    }
}

fn reply_ok(hub: &Hub, reply: PostReply, change: &Change, seq: i64) {
    match reply {
        PostReply::Socket(outbox) => {
            let ack = ServerFrame::Ack {
                room: change.room().to_owned(),
                client_id: change.client_id().to_owned(),
                seq,
            };
            if !outbox.push_frame(&ack) {
                hub.evict(outbox.id);
            }
        }
        PostReply::Call(done) => {
            let _caller_gone = done.send(Ok(seq));
        }
    }
}

fn reply_err(hub: &Hub, reply: PostReply, change: &Change, error: SequencerError) {
    match reply {
        PostReply::Socket(outbox) => {
            let frame = ServerFrame::Error {
                code: error.code(),
                message: error.to_string(),
                client_id: Some(change.client_id().to_owned()),
            };
            if !outbox.push_frame(&frame) {
                hub.evict(outbox.id);
            }
        }
        PostReply::Call(done) => {
            let _caller_gone = done.send(Err(error));
        }
    }
}

/// Milliseconds since the Unix epoch by the server clock.
pub use crate::model::now_ms;
