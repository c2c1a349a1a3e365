//! The reader: each frame the client sends, decoded, checked and acted on; a bad frame gets
//! an `error` frame and the connection carries on.

use crate::ids::{RoomId, RoomName, Seq};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, Utf8Bytes};
use futures::{Stream, StreamExt};

use super::{Heard, announce_person};
use crate::attachments::AttachmentId;
use crate::commands::{Command, Typed};
use crate::protocol::{self, ClientFrame, ErrorCode, ServerFrame, validate_body, validate_client_id};
use crate::rooms::RoomKind;
use crate::server::commands::{self, CommandError, Outcome};
use crate::server::integrations::room_commands::{self, Called};
use crate::server::messages::emoji_catalog::expand_shortcodes;
use crate::server::messages::history::Placement;
use crate::server::messages::message_changes::{DeleteMessage, EditMessage};
use crate::server::messages::pins::PinMessage;
use crate::server::messages::posting::{self, Post, PostError};
use crate::server::messages::reactions::ReactMessage;
use crate::server::previews::records::{PreviewAction, PreviewChange};
use crate::server::realtime::cluster::ClusterEvent;
use crate::server::realtime::hub::{ConnId, Outbox, Person};
use crate::server::realtime::sequencer::{Change, PostReply, SequencerError};
use crate::server::state::AppState;
use crate::typing::TYPING_RELAY_EVERY_MS;

/// Why the reader stopped, and what close frame (if any) the peer should get.
#[derive(Debug)]
pub(super) enum ReaderEnd {
    PeerClosed,
    TooLarge,
    Failed,
    /// Joins faster than the person's allowance: a reconnect loop.
    TooManyJoins,
}

pub(super) fn reader_close(end: ReaderEnd) -> Option<(u16, &'static str)> {
    match end {
        ReaderEnd::TooLarge => Some((1009, "frame too large")),
        ReaderEnd::TooManyJoins => {
            Some((protocol::CLOSE_TOO_MANY, protocol::close_reason(protocol::CLOSE_TOO_MANY)))
        }
        ReaderEnd::PeerClosed | ReaderEnd::Failed => None,
    }
}

/// The connection's joined state.
pub(super) struct Joined {
    room_id: RoomId,
    room: RoomName,
    /// A member may talk; anyone else (a reader of a public room) may only listen.
    member: bool,
    /// A conversation, which a block may close (see `server::rooms::blocks`).
    direct: bool,
}

pub(super) struct Reader<'a> {
    pub(super) id: ConnId,
    state: &'a AppState,
    /// The signed-in person this connection speaks for.
    pub(super) person: Person,
    pub(super) outbox: Outbox,
    heard: Arc<Heard>,
    pub(super) joined: Option<Joined>,
    /// When this connection's last `typing` was passed on.
    last_typing: Option<Instant>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(
        id: ConnId,
        state: &'a AppState,
        person: Person,
        outbox: Outbox,
        heard: Arc<Heard>,
    ) -> Self {
        Self { id, state, person, outbox, heard, joined: None, last_typing: None }
    }

    pub(super) async fn run<S>(&mut self, mut stream: S) -> ReaderEnd
    where
        S: Stream<Item = Result<Message, axum::Error>> + Unpin,
    {
        // Until it joins, a connection has a deadline (sockets that never say hello would
        // otherwise hold a slot of the caps for ever): the writer's timer keeps it, which
        // `heard.joined` stops.
        while let Some(message) = stream.next().await {
            self.heard.now();
            match message {
                Ok(Message::Text(text)) => {
                    // Boxed: handling a frame (store queries and all) takes kilobytes of
                    // future state, held only while it runs instead of for the connection's
                    // whole life.
                    if let Some(end) = Box::pin(self.on_text(text.as_str())).await {
                        return end;
                    }
                }
                Ok(Message::Binary(_)) => self.refuse(
                    ErrorCode::BinaryFrame,
                    "binary frames are not part of the protocol; send JSON text".to_owned(),
                    None,
                ),
                Ok(Message::Ping(_) | Message::Pong(_)) => {}
                Ok(Message::Close(_)) => return ReaderEnd::PeerClosed,
                Err(error) => return classify(error),
            }
        }
        ReaderEnd::PeerClosed
    }

    /// Answer the client with an error frame; evict it if it is not reading its queue.
    fn refuse(&self, code: ErrorCode, mut message: String, client_id: Option<String>) {
        tracing::debug!(conn = self.id, ?code, %message, "refused frame");
        // A decoder's message can quote what it could not read: bounded like everything else.
        if let Some((end, _)) = message.char_indices().nth(protocol::MAX_ERROR_MESSAGE_CHARS) {
            message.truncate(end);
            message.push('…');
        }
        self.state.hub.send(&self.outbox, &ServerFrame::Error { code, message, client_id });
    }

    /// Act on one text frame; `Some` when the connection must end because of it.
    async fn on_text(&mut self, text: &str) -> Option<ReaderEnd> {
        if self.outbox.is_ending() {
            // Removed or signed out: the close frame is on its way; nothing more is acted on.
            return None;
        }
        let frame = match protocol::decode_client(text) {
            Ok(frame) => frame,
            Err(error) => {
                self.refuse(error.code, error.message, None);
                return None;
            }
        };
        match frame {
            ClientFrame::Hello { room, after } => return self.on_hello(room, after).await,
            ClientFrame::Send { room, client_id, body, attachments, reply_to, thread, also_to_room } => {
                let placement =
                    Placement { reply_to, thread, also_to_room: also_to_room && thread.is_some() };
                self.on_send(room, client_id, body, attachments, placement).await
            }
            ClientFrame::Edit { room, client_id, seq, body } => {
                self.on_edit(room, client_id, seq, body).await
            }
            ClientFrame::Delete { room, client_id, seq } => self.on_delete(room, client_id, seq).await,
            ClientFrame::React { room, client_id, seq, emoji } => {
                self.on_react(room, client_id, seq, emoji).await
            }
            ClientFrame::Pin { room, client_id, seq, pinned } => {
                self.on_pin(room, client_id, seq, pinned).await
            }
            ClientFrame::RemovePreview { room, client_id, seq } => {
                self.on_remove_preview(room, client_id, seq).await
            }
            ClientFrame::Typing { room } => self.on_typing(room).await,
            ClientFrame::Ping => {
                self.state.hub.send(&self.outbox, &ServerFrame::Pong {});
            }
        }
        None
    }

    async fn on_hello(&mut self, room: RoomName, after: Option<protocol::ResumeFrom>) -> Option<ReaderEnd> {
        if self.joined.is_some() {
            self.refuse(
                ErrorCode::InvalidFrame,
                "already joined; open a new connection to join again".to_owned(),
                None,
            );
            return None;
        }
        if !self.state.take(&self.state.limits.hellos, &self.person.user_id).await {
            let message = "too many joins from this account; back off before reconnecting".to_owned();
            self.refuse(ErrorCode::RateLimited, message, None);
            return Some(ReaderEnd::TooManyJoins);
        }
        self.join(room, after).await;
        None
    }

    async fn join(&mut self, room: RoomName, after: Option<protocol::ResumeFrom>) {
        // A private room or conversation this person is not in answers exactly as a room
        // that does not exist.
        let (room_id, member, direct) = match self.state.store.room_for(self.person.user_id, &room).await {
            Ok(Some(access)) => (access.id, access.member, access.kind == RoomKind::Direct),
            Ok(None) => return self.refuse(ErrorCode::UnknownRoom, no_room(&room), None),
            Err(error) => {
                tracing::error!(%error, "room lookup failed");
                return self.refuse(ErrorCode::StoreUnavailable, "the store is unavailable".to_owned(), None);
            }
        };
        let joined = self
            .state
            .sequencer
            .join(room_id, room.clone(), self.person.clone(), after, self.outbox.clone())
            .await;
        match joined {
            Ok(()) => {
                tracing::debug!(conn = %self.id, %room, "joined");
                self.joined = Some(Joined { room_id, room, member, direct });
                self.heard.joined();
                if self.state.hub.user_connections(self.person.user_id) == 1 {
                    announce_person(self.state, self.person.user_id, self.person.username.clone(), true);
                }
            }
            Err(SequencerError::NotAllowed) => self.refuse(ErrorCode::UnknownRoom, no_room(&room), None),
            Err(error) => self.refuse(ErrorCode::StoreUnavailable, error.to_string(), None),
        }
    }

    async fn on_send(
        &mut self,
        room: RoomName,
        client_id: String,
        body: String,
        attachments: Vec<AttachmentId>,
        placement: Placement,
    ) {
        let Some((client_id, room_id, room)) = self.admit_write(room, client_id).await else { return };
        let body = match crate::commands::parse(&body) {
            Typed::Text(text) => text.into_owned(),
            Typed::Command(command) => match self.on_command(&room, &client_id, command).await {
                Some(message) => message,
                None => return,
            },
        };
        let post = match Post::new(&client_id, &body, attachments, placement) {
            Ok(post) => post,
            Err(error) => return self.refuse(error.code(), error.to_string(), Some(client_id)),
        };
        let author = Person { name: self.current_name(), ..self.person.clone() };
        match posting::prepare(self.state, &author, room_id, room, post).await {
            Ok(message) => self.submit(Change::Post(message), client_id).await,
            Err(error) => {
                let code = match error {
                    PostError::RateLimited { .. } => ErrorCode::RateLimited,
                    _ => ErrorCode::StoreUnavailable,
                };
                self.refuse(code, error.to_string(), Some(client_id));
            }
        }
    }

    /// Run a slash command sent as `send` `client_id`: the message it means, to post in its
    /// place; or `None` once it is done (answered with `reply`) or refused.
    async fn on_command(&self, room: &str, client_id: &str, command: Command<'_>) -> Option<String> {
        let access = match self.state.store.room_for(self.person.user_id, room).await {
            Ok(Some(access)) => access,
            Ok(None) | Err(_) => {
                self.refuse(
                    ErrorCode::StoreUnavailable,
                    "the store is unavailable".to_owned(),
                    Some(client_id.to_owned()),
                );
                return None;
            }
        };
        let ran = commands::run(self.state, &self.person, &access, command).await;
        let (text, left) = match ran {
            Ok(Outcome::Post(message)) => return Some(message),
            Ok(Outcome::Reply(text)) => (text, false),
            Ok(Outcome::Left(text)) => (text, true),
            Ok(Outcome::Call(command, text)) => {
                // Someone else's server: this connection's other frames do not wait for it.
                let (state, outbox) = (self.state.clone(), self.outbox.clone());
                let caller = self.person.clone();
                let client_id = client_id.to_owned();
                tokio::spawn(async move {
                    let called =
                        room_commands::call(&state, &caller, &access, &command, &text, &client_id).await;
                    let frame = match called {
                        Ok(Called::Posted) => return,
                        Ok(Called::Reply(text)) => {
                            ServerFrame::Reply { room: access.name, client_id, text, left: false }
                        }
                        Err(error) => ServerFrame::Error {
                            code: ErrorCode::CommandFailed,
                            message: error.to_string(),
                            client_id: Some(client_id),
                        },
                    };
                    state.hub.send(&outbox, &frame);
                });
                return None;
            }
            Err(error) => {
                let code = match error {
                    // Temporary: the page sends it again after a while, as a message.
                    CommandError::RateLimited => ErrorCode::RateLimited,
                    _ => ErrorCode::CommandFailed,
                };
                self.refuse(code, error.to_string(), Some(client_id.to_owned()));
                return None;
            }
        };
        let reply = ServerFrame::Reply { room: access.name, client_id: client_id.to_owned(), text, left };
        self.state.hub.send(&self.outbox, &reply);
        None
    }

    /// The text's HTML and whom it mentions; `None` (the client told) if the store cannot say.
    async fn prepare_text(
        &self,
        room_id: RoomId,
        body: &str,
        client_id: &str,
    ) -> Option<(String, Vec<crate::server::messages::mentions::Mentioned>)> {
        match crate::server::messages::mentions::prepare(
            &self.state.store,
            room_id,
            self.person.user_id,
            body,
        )
        .await
        {
            Ok(prepared) => Some(prepared),
            Err(error) => {
                tracing::error!(%error, "cannot look up mentions");
                self.refuse(
                    ErrorCode::StoreUnavailable,
                    "the store is unavailable".to_owned(),
                    Some(client_id.to_owned()),
                );
                None
            }
        }
    }

    /// `edit`: new text for one of this person's messages.
    async fn on_edit(&mut self, room: RoomName, client_id: String, target: Seq, body: String) {
        let Some((client_id, room_id, room)) = self.admit_write(room, client_id).await else { return };
        let body = match validate_body(&body) {
            Ok(body) => expand_shortcodes(body).into_owned(),
            Err(error) => return self.refuse(error.code(), error.to_string(), Some(client_id)),
        };
        if !self.spend_allowance(&client_id).await {
            return;
        }
        let Some((html, mentions)) = self.prepare_text(room_id, &body, &client_id).await else { return };
        let window = self.state.config.edit_window;
        let edit = EditMessage {
            room_id,
            room,
            client_id: client_id.clone(),
            actor_id: self.person.user_id,
            by_bot: self.person.bot,
            target,
            html,
            mentions,
            body,
            window_ms: (window > 0).then(|| i64::try_from(window.saturating_mul(1_000)).unwrap_or(i64::MAX)),
        };
        self.submit(Change::Edit(edit), client_id).await;
    }

    /// `delete`: one of this person's messages, or anyone's in a room they moderate.
    async fn on_delete(&mut self, room: RoomName, client_id: String, target: Seq) {
        let Some((client_id, room_id, room)) = self.admit_write(room, client_id).await else { return };
        if !self.spend_allowance(&client_id).await {
            return;
        }
        let delete = DeleteMessage {
            room_id,
            room,
            client_id: client_id.clone(),
            actor_id: self.person.user_id,
            target,
            admin: self.state.is_admin(self.person.user_id, &self.person.username).await,
        };
        self.submit(Change::Delete(delete), client_id).await;
    }

    /// `react`: toggle this person's reaction to a message.
    async fn on_react(&mut self, room: RoomName, client_id: String, target: Seq, emoji: String) {
        let Some((client_id, room_id, room)) = self.admit_write(room, client_id).await else { return };
        if !crate::server::messages::emoji_catalog::is_one_emoji(&emoji) {
            let message = format!("a reaction is one emoji, not {}", quote(&emoji));
            return self.refuse(ErrorCode::InvalidReaction, message, Some(client_id));
        }
        if !self.spend_allowance(&client_id).await {
            return;
        }
        let react = ReactMessage {
            room_id,
            room,
            client_id: client_id.clone(),
            actor_id: self.person.user_id,
            target,
            emoji,
        };
        self.submit(Change::React(react), client_id).await;
    }

    /// `pin`: pin a message to the room, or take its pin away (who may is checked in the
    /// store, in the pin's own transaction).
    async fn on_pin(&mut self, room: RoomName, client_id: String, target: Seq, pinned: bool) {
        let Some((client_id, room_id, room)) = self.admit_write(room, client_id).await else { return };
        if !self.spend_allowance(&client_id).await {
            return;
        }
        let pin = PinMessage {
            room_id,
            room,
            client_id: client_id.clone(),
            actor_id: self.person.user_id,
            target,
            pinned,
            admin: self.state.is_admin(self.person.user_id, &self.person.username).await,
        };
        self.submit(Change::Pin(pin), client_id).await;
    }

    async fn on_remove_preview(&mut self, room: RoomName, client_id: String, target: Seq) {
        let Some((client_id, room_id, room)) = self.admit_write(room, client_id).await else { return };
        if !self.spend_allowance(&client_id).await {
            return;
        }
        let action = PreviewAction::Remove { actor_id: self.person.user_id };
        let change = PreviewChange { room_id, room, client_id: client_id.clone(), target, action };
        self.submit(Change::Preview(change), client_id).await;
    }

    /// The checks every write shares: a valid `client_id`, the joined room, membership. The
    /// id, the room's id and its name, or `None` after refusing.
    async fn admit_write(&mut self, room: RoomName, client_id: String) -> Option<(String, RoomId, RoomName)> {
        let client_id = match validate_client_id(&client_id) {
            Ok(id) => id.to_owned(),
            Err(error) => {
                self.refuse(error.code(), error.to_string(), None);
                return None;
            }
        };
        let Some(joined) = &self.joined else {
            self.refuse(ErrorCode::NotJoined, "send `hello` first".to_owned(), Some(client_id));
            return None;
        };
        if room != joined.room {
            let message = format!("this connection has joined {:?}, not {}", joined.room, quote(&room));
            self.refuse(ErrorCode::UnknownRoom, message, Some(client_id));
            return None;
        }
        // A reader's write is asked about in the store; its allowance is spent first, so a
        // flood of them costs the store nothing past the rate limit.
        if !joined.member && !self.state.take(&self.state.limits.messages, &self.person.user_id).await {
            self.refuse(
                ErrorCode::RateLimited,
                "too many messages; resend later".to_owned(),
                Some(client_id),
            );
            return None;
        }
        if !joined.member && !self.became_member().await {
            let message = "join the room to talk in it (you can read it without joining)".to_owned();
            self.refuse(ErrorCode::NotMember, message, Some(client_id));
            return None;
        }
        let joined = self.joined.as_ref()?;
        Some((client_id, joined.room_id, joined.room.clone()))
    }

    /// Spend one of the person's message allowance on an edit, deletion or reaction (a post
    /// spends it in `posting::prepare`); refuse (and say so) when none is left.
    async fn spend_allowance(&mut self, client_id: &str) -> bool {
        if self.state.take(&self.state.limits.messages, &self.person.user_id).await {
            return true;
        }
        let spent = PostError::RateLimited { rate: self.state.config.rate, burst: self.state.config.burst };
        self.refuse(ErrorCode::RateLimited, spent.to_string(), Some(client_id.to_owned()));
        false
    }

    /// Hand a write to the sequencer; its `ack` or `error` comes back on this connection.
    async fn submit(&mut self, change: Change, client_id: String) {
        let written = self.state.sequencer.write(change, PostReply::Socket(self.outbox.clone())).await;
        if let Err(error @ SequencerError::ShuttingDown) = written {
            self.refuse(ErrorCode::StoreUnavailable, error.to_string(), Some(client_id));
        }
    }

    /// Pass "typing" on to the room's other connections: only to the joined room (so only its
    /// members), at most once per [`TYPING_RELAY_EVERY_MS`], never stored; not in a
    /// conversation a block closed (asked after the allowance, so it costs a bounded read).
    async fn on_typing(&mut self, room: RoomName) {
        let Some(joined) = &self.joined else {
            return self.refuse(ErrorCode::NotJoined, "send `hello` first".to_owned(), None);
        };
        if room != joined.room {
            let message = format!("this connection has joined {:?}, not {}", joined.room, quote(&room));
            return self.refuse(ErrorCode::UnknownRoom, message, None);
        }
        if !joined.member {
            // Readers do not type; nobody needs telling.
            return;
        }
        let now = Instant::now();
        let relay_every = Duration::from_millis(TYPING_RELAY_EVERY_MS);
        if self.last_typing.is_some_and(|last| now.duration_since(last) < relay_every) {
            return;
        }
        if !self.state.limits.typing.try_take(&self.person.user_id, now) {
            return;
        }
        self.last_typing = Some(now);
        let room_id = joined.room_id;
        if joined.direct {
            match self.state.store.conversation_closed(room_id).await {
                Ok(false) => {}
                Ok(true) => return,
                Err(error) => {
                    tracing::warn!(%error, "cannot check whether a conversation is closed");
                    return;
                }
            }
        }
        let frame =
            ServerFrame::Typing { room, username: self.person.username.clone(), name: self.current_name() };
        let frame = protocol::encode(&frame);
        if let Some(cluster) = &self.state.cluster {
            cluster.publish(ClusterEvent::RoomFrame { room_id, frame: frame.clone() });
        }
        self.state.hub.broadcast(room_id, Utf8Bytes::from(frame), Some(self.id));
    }

    /// A reader of a public room who wants to talk: have they joined since the `hello` (in
    /// another tab)? Asked only then, so members' messages cost no query.
    async fn became_member(&mut self) -> bool {
        let Some(joined) = &mut self.joined else { return false };
        match self.state.store.is_member(joined.room_id, self.person.user_id).await {
            Ok(member) => {
                joined.member = member;
                member
            }
            Err(error) => {
                tracing::warn!(%error, "cannot check membership");
                false
            }
        }
    }

    /// The person's display name as the hub knows it now: a profile change made in another
    /// tab applies to this connection's next message.
    fn current_name(&self) -> String {
        self.state.hub.name_of(self.person.user_id).unwrap_or_else(|| self.person.name.clone())
    }
}

/// The answer for a room that does not exist or may not be entered: the same words for both.
fn no_room(room: &str) -> String {
    format!("no room named {}", quote(room))
}

/// A client's text inside an error message: at most [`MAX_QUOTED_CHARS`] of it, so an error
/// frame never echoes a large frame back.
fn quote(text: &str) -> String {
    match text.char_indices().nth(protocol::MAX_QUOTED_CHARS) {
        Some((end, _)) => format!("{:?}…", &text[..end]),
        None => format!("{text:?}"),
    }
}

/// A read error: a frame over the size limit, or a broken transport.
fn classify(error: axum::Error) -> ReaderEnd {
    let inner = error.into_inner();
    match inner.downcast_ref::<tungstenite::Error>() {
        Some(tungstenite::Error::Capacity(_)) => ReaderEnd::TooLarge,
        _ => ReaderEnd::Failed,
    }
}
