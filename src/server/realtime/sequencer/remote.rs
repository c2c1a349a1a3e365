//! Catching up with other nodes: what they published, delivered in `seq` order with any gap
//! filled from the store first, and sockets checked again after a removal.

use crate::ids::{RoomId, Seq};
use std::collections::HashMap;

use axum::extract::ws::Utf8Bytes;

use super::{Audience, REPLAY_READ_ROWS, Task, change_seq};
use crate::model::ChatMessage;
use crate::protocol::{CLOSE_REMOVED, CLOSE_SIGNED_OUT, ServerFrame, encode};
use crate::server::realtime::cluster::ClusterEvent;
use crate::server::storage::store::AccessVersion;
use crate::server::storage::store::StoreError;

impl Task {
    /// The room's latest `seq` as this node's sockets have it. With other nodes the store may
    /// hold more (their events not yet heard): those are delivered first, from the store.
    pub(super) async fn latest_seq(&mut self, room_id: RoomId, room: &str) -> Result<Seq, StoreError> {
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
    pub(super) async fn remote(&mut self, event: ClusterEvent) -> Result<(), StoreError> {
        match event {
            ClusterEvent::Frame {
                room_id,
                room,
                seq,
                frame,
                activity,
                thread_reply,
                receipt,
                author_id,
                access_version,
            } => {
                // Followers anywhere on this node, whatever room they joined (the store says
                // who still may read the room).
                if let Some((root, news)) = thread_reply {
                    self.notify_followers(room_id, root, author_id, &Utf8Bytes::from(news)).await;
                }
                // A room none of this node's sockets joined since it started: a joiner reads
                // the store.
                if !self.delivered.contains_key(&room_id) {
                    return Ok(());
                }
                // Committed after a removal not heard of here yet: not to the removed.
                if self.access.behind(room_id, access_version) {
                    self.recheck_room(room_id, access_version).await;
                }
                let audience = if receipt { Audience::Receipts } else { Audience::Room };
                if self.deliver(room_id, &room, seq, Utf8Bytes::from(frame), audience).await?
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
                let rooms: Vec<RoomId> = self.delivered.keys().copied().collect();
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
            | ClusterEvent::RoomFrame { .. }
            | ClusterEvent::Members { .. }
            | ClusterEvent::Presence { .. }
            | ClusterEvent::Alive { .. } => {}
        }
        Ok(())
    }

    /// Without Redis: every room with sockets here that the store says has moved on is filled
    /// from it, as a lost event would be (a removal committed meanwhile is checked first, in
    /// [`Task::fill`]). One query for where all the rooms stand, then one read per room behind.
    pub(super) async fn catch_up(&mut self) -> Result<(), StoreError> {
        let rooms: Vec<RoomId> =
            self.delivered.keys().copied().filter(|room_id| self.hub.connections(*room_id) > 0).collect();
        if rooms.is_empty() {
            return Ok(());
        }
        for (room_id, stored) in self.store.latest_seqs(&rooms).await? {
            if self.delivered.get(&room_id).is_some_and(|delivered| stored > *delivered) {
                let Some(room) = self.store.room_name(room_id).await? else { continue };
                self.fill(room_id, &room, stored).await?;
            }
        }
        Ok(())
    }

    /// End the sockets here (those joined to `room`, or all) whose session has ended or whose
    /// person may no longer read their room, as the removal or sign-out's news would have. What
    /// cannot be confirmed ends too (it fails closed): a client reconnects, and its new `hello`
    /// is checked like any other.
    pub(super) async fn recheck(&mut self, room: Option<RoomId>) {
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
    pub(super) async fn recheck_room(&mut self, room_id: RoomId, version: AccessVersion) {
        self.recheck(Some(room_id)).await;
        tracing::debug!(%room_id, ?version, "checked a room's sockets after a removal or sign-out");
        self.access.checked(room_id, version);
    }

    /// Give the room's sockets event `seq` (`frame`), after whatever came before it that they
    /// have not had (read from the store). False if they had it already.
    pub(super) async fn deliver(
        &mut self,
        room_id: RoomId,
        room: &str,
        seq: Seq,
        frame: Utf8Bytes,
        audience: Audience,
    ) -> Result<bool, StoreError> {
        let had = self.delivered.get(&room_id).copied().unwrap_or(seq - 1);
        if seq <= had {
            return Ok(false);
        }
        if seq > had + 1 {
            self.fill(room_id, room, seq - 1).await?;
        }
        self.broadcast(room_id, frame, audience).await;
        self.delivered.insert(room_id, seq);
        Ok(true)
    }

    /// Give one event to its audience among the room's sockets here.
    /// A receipt whose audience cannot be looked up goes to nobody (it fails closed) and
    /// holds up nothing after it: receipts are news, never something a page depends on.
    async fn broadcast(&self, room_id: RoomId, frame: Utf8Bytes, audience: Audience) {
        match audience {
            Audience::Room => self.hub.broadcast(room_id, frame, None),
            Audience::Receipts => match self.store.receipt_audience(room_id).await {
                Ok(users) => self.hub.broadcast_to(room_id, frame, &users),
                Err(error) => {
                    tracing::warn!(%error, %room_id, "cannot look up who is told receipts; not told")
                }
            },
        }
    }

    /// Broadcast, from the store, the room's events after the last one delivered up to
    /// `up_to`: as a resuming client gets them (messages as they are now, and the changes to
    /// messages delivered before), so no socket sees a gap.
    pub(super) async fn fill(&mut self, room_id: RoomId, room: &str, up_to: Seq) -> Result<(), StoreError> {
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
            tracing::debug!(%room_id, %after, %up_to, messages = messages.len(), "filled a gap from the store");
            let mut changes = changes.into_iter().peekable();
            for message in messages {
                while let Some(change) = changes.next_if(|change| change_seq(change) < message.seq) {
                    self.broadcast(room_id, Utf8Bytes::from(encode(&change)), Audience::of(&change)).await;
                }
                self.hub.broadcast(room_id, Utf8Bytes::from(encode(&ServerFrame::Message(message))), None);
            }
            for change in changes {
                self.broadcast(room_id, Utf8Bytes::from(encode(&change)), Audience::of(&change)).await;
            }
        }
        self.delivered.insert(room_id, up_to);
        Ok(())
    }

    /// The room's messages with `after < seq <= up_to`, oldest first.
    pub(super) async fn read_between(
        &self,
        room_id: RoomId,
        room: &str,
        mut after: Seq,
        up_to: Seq,
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
}
