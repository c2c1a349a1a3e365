//! Joining a room: the replay read from the store and the connection registered in the hub
//! with no commit in between, sent in chunks that fit the connection's queue.

use super::{
    REPLAY_CHUNK_MAX_BYTES, REPLAY_CHUNK_MIN_BYTES, REPLAY_READ_ROWS, SequencerError, Task, change_seq,
};
use crate::ids::{RoomId, Seq};
use crate::model::ChatMessage;
use crate::protocol::{ErrorCode, HISTORY_PAGE, RESUME_MAX, ResumeFrom, ServerFrame};
use crate::server::realtime::hub::{Outbox, Person};
use crate::server::storage::store::StoreError;

impl Task {
    pub(super) async fn join(
        &mut self,
        room_id: RoomId,
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
        let result = self.replay(room_id, room, person, after, &outbox).await;
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
    pub(super) async fn replay(
        &mut self,
        room_id: RoomId,
        room: &str,
        person: &Person,
        after: Option<ResumeFrom>,
        outbox: &Outbox,
    ) -> Result<(), StoreError> {
        let name = person.name.as_str();
        let latest_seq = self.latest_seq(room_id, room).await?;
        let mut online = self.hub.online(room_id);
        // The joiner is online too, whether or not the hub has them yet.
        let online_count =
            self.hub.online_count(room_id) + usize::from(!self.hub.in_room(room_id, person.user_id));
        if let Err(at) = online.binary_search_by(|n| n.as_str().cmp(name))
            && online.len() < crate::server::realtime::hub::ONLINE_LISTED
        {
            online.insert(at, name.to_owned());
        }
        if !outbox.push_or_kick(&ServerFrame::Welcome {
            conn_id: outbox.id,
            room: room.into(),
            latest_seq,
            online,
            online_count,
        }) {
            return Ok(());
        }
        let resync = match after {
            None => return Ok(()),
            Some(ResumeFrom::Seq(after)) if after > latest_seq => {
                let _fit = outbox.push_or_kick(&ServerFrame::Error {
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
                let _fit = outbox.push_or_kick(&ServerFrame::Error {
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
                        let receipts = |change: &ServerFrame| matches!(change, ServerFrame::Read { .. });
                        if changes.iter().any(receipts)
                            && !self.store.sees_receipts(room_id, person.user_id).await?
                        {
                            changes.retain(|change| !receipts(change));
                        }
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
    pub(super) async fn gather(
        &self,
        room_id: RoomId,
        room: &str,
        mut after: Seq,
        up_to: Seq,
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
                    room: room.into(),
                    messages: std::mem::take(&mut chunk),
                    resync: false,
                };
                bytes = 0;
                if !outbox.push_or_kick(&frame) {
                    return;
                }
            }
            while let Some(change) = changes.next_if(before) {
                if !outbox.push_or_kick(&change) {
                    return;
                }
            }
        }
        bytes += replay_bytes(&message);
        chunk.push(message);
        if bytes >= replay_chunk(outbox) || messages.peek().is_none() {
            let frame = ServerFrame::Messages {
                room: room.into(),
                messages: std::mem::take(&mut chunk),
                resync: resync && first,
            };
            first = false;
            bytes = 0;
            if !outbox.push_or_kick(&frame) {
                // Its queue cannot hold the replay: the same remedy as any slow consumer.
                return;
            }
        }
    }
    if first && resync {
        let empty = ServerFrame::Messages { room: room.into(), messages: Vec::new(), resync };
        if !outbox.push_or_kick(&empty) {
            return;
        }
    }
    for change in changes {
        if !outbox.push_or_kick(&change) {
            return;
        }
    }
}
