//! Group commit: a batch of posts and changes stored in one transaction, then acknowledged,
//! delivered here and published to the other nodes, in `seq` order.

use crate::ids::{RoomId, Seq, UserId};
use std::collections::{BTreeSet, HashMap};

use axum::extract::ws::Utf8Bytes;

use super::{Audience, Batch, Change, PostReply, SequencerError, Task, change_seq};
use crate::model::now_ms;
use crate::protocol::{ServerFrame, encode};
use crate::server::integrations::outgoing_hooks::Committed;
use crate::server::messages::history::{NewMessage, Refusal, Stored};
use crate::server::messages::markdown::first_web_link;
use crate::server::previews::previewer::Linked;
use crate::server::push::sender::Posted;
use crate::server::realtime::cluster::ClusterEvent;
use crate::server::realtime::hub::Hub;
use crate::server::storage::store::AccessVersion;
use crate::server::storage::store::{Store, StoreError};

impl Task {
    pub(super) async fn commit(&mut self, posts: Vec<(Change, PostReply)>) {
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
                    |room_id: RoomId| claimed.get(&room_id).map(|c| c.access_version).unwrap_or_default();
                // Members of each room, looked up once per batch and only when someone is
                // connected elsewhere to be told.
                let mut members: HashMap<RoomId, Vec<UserId>> = HashMap::new();
                for ((change, reply), outcome) in posts.into_iter().zip(outcomes) {
                    let seq = match outcome {
                        Stored::New(stored) => {
                            let seq = stored.seq;
                            let thread = (stored.thread_root, stored.also_in_room);
                            let ts = stored.ts;
                            let frame = encode(&ServerFrame::Message(stored));
                            let (activity, thread_reply) = match &change {
                                Change::Post(message) => (
                                    Some(activity_of(message, seq, thread)),
                                    thread.0.map(|root| (root, thread_reply_of(message, seq, root))),
                                ),
                                _ => (None, None),
                            };
                            let news = Publish {
                                activity: activity.clone(),
                                thread_reply: thread_reply.clone(),
                                receipt: false,
                            };
                            self.publish(&change, seq, &frame, news, version(change.room_id()));
                            self.deliver_own(&change, seq, frame, Audience::Room).await;
                            if let (Change::Post(message), Some((root, news))) = (&change, thread_reply) {
                                let news = Utf8Bytes::from(news);
                                self.notify_followers(message.room_id, root, message.author_id, &news).await;
                            }
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
                                    thread_root: thread.0,
                                    thread_only: thread.0.is_some() && !thread.1,
                                });
                                if let (Some(url), Some(author_id), false) =
                                    (first_web_link(&message.html), message.author_id, message.bot)
                                {
                                    self.previewer.linked(Linked {
                                        room_id: message.room_id,
                                        room: message.room.clone(),
                                        seq,
                                        author_id,
                                        url,
                                    });
                                }
                                let in_room = thread.0.is_none() || thread.1;
                                if in_room && !message.bot {
                                    self.outgoing.committed(Committed {
                                        room_id: message.room_id,
                                        room: message.room.clone(),
                                        seq,
                                        author_id: message.author_id,
                                        username: message.username.clone(),
                                        text: message.body.clone(),
                                        ts,
                                    });
                                }
                            }
                            seq
                        }
                        Stored::Changed(frame) => {
                            // An edit that gives a message its first link: a preview, as if it
                            // had been sent with it (a message gets at most one).
                            if let (Change::Edit(edit), ServerFrame::Edited { html, .. }) = (&change, &frame)
                                && !edit.by_bot
                                && let Some(url) = first_web_link(html)
                            {
                                self.previewer.linked(Linked {
                                    room_id: edit.room_id,
                                    room: edit.room.clone(),
                                    seq: edit.target,
                                    author_id: edit.actor_id,
                                    url,
                                });
                            }
                            let seq = change_seq(&frame);
                            let audience = Audience::of(&frame);
                            let frame = encode(&frame);
                            let news =
                                Publish { receipt: audience == Audience::Receipts, ..Publish::default() };
                            self.publish(&change, seq, &frame, news, version(change.room_id()));
                            self.deliver_own(&change, seq, frame, audience).await;
                            seq
                        }
                        Stored::Duplicate { seq } => seq,
                        Stored::Noted => Seq::ZERO,
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
    pub(super) async fn deliver_own(&mut self, change: &Change, seq: Seq, frame: String, audience: Audience) {
        let frame = Utf8Bytes::from(frame);
        if let Err(error) = self.deliver(change.room_id(), change.room(), seq, frame, audience).await {
            tracing::error!(%error, room = %change.room_id(), %seq, "could not read the events before this one");
        }
    }

    /// Tell the other nodes of a committed event, once, whoever their recipients are.
    pub(super) fn publish(
        &self,
        change: &Change,
        seq: Seq,
        frame: &str,
        news: Publish,
        access_version: AccessVersion,
    ) {
        if let Some(cluster) = &self.cluster {
            cluster.publish(ClusterEvent::Frame {
                room_id: change.room_id(),
                room: change.room().into(),
                seq,
                frame: frame.to_owned(),
                activity: news.activity,
                thread_reply: news.thread_reply,
                receipt: news.receipt,
                access_version,
                author_id: match change {
                    Change::Post(message) => message.author_id,
                    _ => None,
                },
            });
        }
    }

    /// Tell the followers of thread `root` (but its author) of a reply, on every connection
    /// they have here. Best effort, like `notify_activity`.
    pub(super) async fn notify_followers(
        &self,
        room_id: RoomId,
        root: Seq,
        author_id: Option<UserId>,
        frame: &Utf8Bytes,
    ) {
        match self.store.thread_followers(room_id, root).await {
            Ok(mut followers) => {
                followers.retain(|follower| Some(*follower) != author_id);
                self.hub.notify_users(&followers, frame);
            }
            Err(error) => tracing::warn!(%error, "cannot look up a thread's followers"),
        }
    }

    /// Tell the room's members who are connected to other rooms that it has news (their
    /// unread counts). Best effort: a failed lookup costs a live count, not a message.
    /// `members` caches each room's members for the batch.
    pub(super) async fn notify_activity(
        &self,
        members: &mut HashMap<RoomId, Vec<UserId>>,
        room_id: RoomId,
        author_id: Option<UserId>,
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
    pub(super) async fn store_batch(&mut self, posts: &[(Change, PostReply)]) -> Result<Batch, StoreError> {
        let ts = now_ms();
        let mut tx = self.store.begin().await?;
        // The rooms' counters, locked in ascending order until the commit.
        let rooms: BTreeSet<RoomId> = posts.iter().map(|(change, _)| change.room_id()).collect();
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
            let next = latest.get(&change.room_id()).copied().unwrap_or_default() + 1;
            // A conversation closed by a block takes nothing new; its people may still delete
            // what they wrote, and reading it moves their own position without a receipt.
            let closed = claimed.get(&change.room_id()).is_some_and(|claim| claim.closed);
            let outcome = match change {
                Change::Post(_)
                | Change::Edit(_)
                | Change::React(_)
                | Change::Pin(_)
                | Change::Preview(_)
                    if closed =>
                {
                    Stored::Refused(Refusal::ConversationClosed)
                }
                Change::Post(message) => Store::insert(&mut tx, message, next, ts).await?,
                Change::Edit(edit) => Store::edit(&mut tx, edit, next, ts).await?,
                Change::React(react) => Store::react(&mut tx, react, next, ts).await?,
                Change::Pin(pin) => Store::pin(&mut tx, pin, next, ts).await?,
                Change::Preview(preview) => {
                    let (outcome, gone) = Store::preview(&mut tx, preview, next, ts).await?;
                    files.extend(gone);
                    outcome
                }
                Change::Read(read) => Store::read_up_to(&mut tx, read, next, ts, !closed).await?,
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
            Store::release_seqs(&mut tx, room_id, latest.get(&room_id).copied().unwrap_or_default()).await?;
        }
        tx.commit().await?;
        Ok((outcomes, claimed, files))
    }
}

/// What an event tells beyond its room, and to whom in it, published with it to the other
/// nodes.
#[derive(Debug, Clone, Default)]
pub(super) struct Publish {
    /// The `activity` frame for members connected to other rooms.
    activity: Option<String>,
    /// A thread reply's root and the `thread_reply` frame for the thread's followers.
    thread_reply: Option<(Seq, String)>,
    /// A read receipt: for the room's [`Audience::Receipts`] only.
    receipt: bool,
}

/// The `thread_reply` frame for the followers of thread `root`: a new reply at `seq`.
fn thread_reply_of(message: &NewMessage, seq: Seq, root: Seq) -> String {
    encode(&ServerFrame::ThreadReply {
        room: message.room.clone(),
        root,
        seq,
        author: message.author.clone(),
        username: message.username.clone(),
        excerpt: crate::model::Quote::excerpt_of(&message.body),
    })
}

/// The `activity` frame for members connected to other rooms: a new message at `seq` (in the
/// thread of `thread.0`, also sent to the room when `thread.1`).
fn activity_of(message: &NewMessage, seq: Seq, thread: (Option<Seq>, bool)) -> String {
    encode(&ServerFrame::Activity {
        room: message.room.clone(),
        seq,
        author: message.author.clone(),
        username: message.username.clone(),
        mentions: message.mentions.iter().map(|m| m.username.clone()).collect(),
        excerpt: crate::model::Quote::excerpt_of(&message.body),
        thread_root: thread.0,
        also_in_room: thread.1,
    })
}

fn reply_ok(hub: &Hub, reply: PostReply, change: &Change, seq: Seq) {
    match reply {
        PostReply::Socket(outbox) => {
            let ack = ServerFrame::Ack {
                room: change.room().into(),
                client_id: change.client_id().to_owned(),
                seq,
            };
            hub.send(&outbox, &ack);
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
            hub.send(&outbox, &frame);
        }
        PostReply::Call(done) => {
            let _caller_gone = done.send(Err(error));
        }
    }
}
