//! The `/ws` endpoint: the upgrade handler and the life of one connection.
//!
//! Each connection is one task with two halves. The reader decodes and validates frames and
//! hands posts to the sequencer; the writer drains the connection's bounded queue, feeding
//! every queued frame and flushing once, and sends pings. Whichever ends first ends the other,
//! and the hub forgets the connection afterwards.
//!
//! Most connections sit idle most of the time, so what an idle one holds is kept small: one
//! task, not two; its state in one box ([`Connection`]); everything that runs only for a
//! moment (handling a frame, a write with its timeout) boxed while it runs instead of sized
//! into the task for its whole life; a small read buffer.
//!
//! Everything a client sends is checked here; a bad frame gets an `error` frame and the
//! connection carries on. Only a frame over [`MAX_FRAME_BYTES`] closes it (1009), because
//! the transport refuses to read it at all.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::header::ORIGIN;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{Sink, SinkExt, Stream, StreamExt};
use tokio::sync::watch;

use crate::attachments::AttachmentId;
use crate::protocol::{
    self, ClientFrame, ErrorCode, MAX_FRAME_BYTES, ServerFrame, validate_body, validate_client_id,
    validate_post,
};
use crate::server::accounts::auth;
use crate::server::limits::shared_limits::{Allowance, SharedLimits};
use crate::server::messages::emoji_catalog::expand_shortcodes;
use crate::server::messages::message_changes::{DeleteMessage, EditMessage, ReactMessage};
use crate::server::realtime::cluster::ClusterEvent;
use crate::server::realtime::hub::{ConnId, Ending, Hub, Outbound, Outbox, Person, QueuedBytes, SocketCaps};
use crate::server::realtime::outbound_queue::{self, QueueReceiver};
use crate::server::realtime::sequencer::{
    Change, MIN_QUEUE_BYTES, MIN_QUEUE_FRAMES, PostReply, SequencerError, now_ms,
};
use crate::server::state::AppState;
use crate::server::storage::store::NewMessage;
use crate::typing::TYPING_RELAY_EVERY_MS;

/// Bytes the transport reads from the socket at a time, and its read buffer's first size. Small,
/// so that idle connections (most of them) cost little memory: a client's frames are short
/// (a message of 4,000 characters is the rare large one, read in several steps).
pub const READ_BUFFER_BYTES: usize = 512;
/// Bytes the transport gathers before it writes to the socket.
pub const WRITE_BUFFER_BYTES: usize = 8 * 1024;
/// Most bytes written but not yet accepted by the socket; past this the writer waits.
pub const MAX_WRITE_BUFFER_BYTES: usize = 4 * 1024 * 1024;
/// A write that the peer does not drain within this time ends the connection.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Frames the writer takes from its queue at once.
const BATCH_FRAMES: usize = 256;
/// Slots of the writer's batch kept between writes; a larger one (after a burst) is freed.
const BATCH_KEEP: usize = 64;
/// How long the reader lets the writer finish a close frame before giving up on it.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// `GET /ws`: check where the request comes from and who sends it, admit (connection cap),
/// configure the transport, upgrade.
///
/// Both checks happen before the upgrade, as plain HTTP answers a browser can see: 403 for a
/// page of another site (cross-site WebSocket hijacking: the browser would send our cookie
/// along), 401 without a live session.
pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !auth::origin_allowed(&headers, &state.config.allowed_origins) {
        tracing::warn!(%peer, origin = ?headers.get(ORIGIN), "refusing WebSocket: origin not allowed");
        return (StatusCode::FORBIDDEN, "this origin may not open a Banter connection").into_response();
    }
    let session = match auth::current_session(&state.store, &headers).await {
        Ok(Some(session)) => session,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "sign in first").into_response(),
        Err(error) => {
            tracing::error!(%error, "session lookup failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "the store is unavailable; try again").into_response();
        }
    };
    let user = session.user;
    let Ok(permit) = state.connections.clone().try_acquire_owned() else {
        tracing::warn!(%peer, "refusing WebSocket: connection limit reached");
        return (StatusCode::SERVICE_UNAVAILABLE, "too many connections").into_response();
    };
    let id = state.next_conn_id();
    let (queue, rx) = outbound_queue::channel(state.config.queue_frames.max(MIN_QUEUE_FRAMES));
    let outbox = Outbox::new(id, queue, state.config.queue_bytes.max(MIN_QUEUE_BYTES));
    let caps = SocketCaps {
        per_account: state.config.max_sockets_per_account,
        per_address: state.config.max_sockets_per_address,
    };
    if let Err(error) = state.hub.connect(user.id, session.id, peer.ip(), outbox.clone(), caps) {
        tracing::warn!(%peer, user = user.id, %error, "refusing WebSocket");
        let message = format!("{error}; close one before opening another");
        return (StatusCode::TOO_MANY_REQUESTS, message).into_response();
    }
    let mut admitted = Admitted { hub: state.hub.clone(), outbox, rx: Some(rx), shared: None };
    // With several nodes, the caps hold over all of them too.
    if let (Some(limits), Some(cluster)) = (&state.shared_limits, &state.cluster) {
        let (me, address) = (cluster.node(), peer.ip());
        let alive_for = Duration::from_millis(state.config.presence_timeout_ms.max(1));
        match limits.open_socket(me, alive_for, user.id, address, (caps.per_account, caps.per_address)).await
        {
            Allowance::Spent => {
                tracing::warn!(%peer, user = user.id, "refusing WebSocket: socket caps over all nodes");
                let message = "too many connections open for this account or address over all nodes; \
                               close one before opening another";
                return (StatusCode::TOO_MANY_REQUESTS, message).into_response();
            }
            Allowance::Granted => {
                admitted.shared =
                    Some(SharedSocket { limits: limits.clone(), me: me.clone(), user_id: user.id, address });
            }
            Allowance::Unavailable => {}
        }
    }
    let caller = Caller {
        person: Person { user_id: user.id, username: user.username, name: user.display_name },
        expires_at: session.expires_at,
        admitted,
    };
    let connection = Box::new(Connection { state, peer, caller, _permit: permit });
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket: WebSocket| serve(socket, connection))
}

/// What one connection's task holds for its whole life, in one allocation. A task's future
/// keeps room for every value it captured, even once moved on, at every level of `async`
/// nesting; a box passed down is eight bytes at each level instead of the whole state.
pub struct Connection {
    pub state: AppState,
    pub peer: SocketAddr,
    pub caller: Caller,
    /// Counted against the connection cap until the connection ends.
    _permit: tokio::sync::OwnedSemaphorePermit,
}

/// Who a connection speaks for, decided once at the upgrade.
pub struct Caller {
    pub person: Person,
    /// When its session expires (milliseconds since the Unix epoch): the connection ends then.
    pub expires_at: i64,
    /// Its place in the hub, taken before the upgrade.
    admitted: Admitted,
}

/// A connection counted in the hub (caps, sign-out) from before its upgrade. If the upgrade
/// never completes, dropping this forgets it again.
struct Admitted {
    hub: Hub,
    outbox: Outbox,
    rx: Option<QueueReceiver>,
    /// Its count over all nodes, given back when it closes.
    shared: Option<SharedSocket>,
}

/// A socket counted in Redis against the caps over all nodes (`server::limits::shared_limits`).
struct SharedSocket {
    limits: SharedLimits,
    me: Arc<str>,
    user_id: i64,
    address: std::net::IpAddr,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.hub.disconnect(self.outbox.id);
        if let (Some(socket), Ok(runtime)) = (self.shared.take(), tokio::runtime::Handle::try_current()) {
            runtime.spawn(async move {
                socket.limits.close_socket(&socket.me, socket.user_id, socket.address).await
            });
        }
    }
}

/// Run one connection to its end. Generic over the transport so tests can drive it.
pub fn serve<S>(socket: S, connection: Box<Connection>) -> impl Future<Output = ()> + Send
where
    S: Stream<Item = Result<Message, axum::Error>> + Sink<Message, Error = axum::Error> + Send + 'static,
{
    // Split before the first await, so the future holds the two small halves, not the socket.
    let (sink, stream) = socket.split();
    run(sink, stream, connection)
}

async fn run<W, R>(sink: W, stream: R, mut connection: Box<Connection>)
where
    W: Sink<Message, Error = axum::Error> + Unpin + Send,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin + Send,
{
    let Some(rx) = connection.caller.admitted.rx.take() else { return };
    let connection = &*connection;
    let state = &connection.state;
    // Built in a block of its own: a value that was ever borrowed keeps its place in the
    // task's future until its scope ends, even once moved, and this task lives as long as
    // the connection. Past the block only the two halves and what the end needs remain.
    let (writer, mut reader) = {
        let caller = &connection.caller;
        let outbox = caller.admitted.outbox.clone();
        let id = outbox.id;
        tracing::info!(conn = id, peer = %connection.peer, user = caller.person.user_id, "connected");
        let heard = Arc::new(Heard::new());
        let session_left = Duration::from_millis(u64::try_from(caller.expires_at - now_ms()).unwrap_or(0));
        let writer = Writer {
            id,
            rx,
            ending: outbox.ending(),
            bytes: outbox.bytes(),
            session_ends: tokio::time::Instant::now() + session_left,
            shutdown: state.shutdown.subscribe(),
            ping_interval: state.config.ping_interval(),
            heard: heard.clone(),
        };
        (writer, Reader::new(id, state, caller.person.clone(), outbox, heard))
    };
    // Reader and writer are two futures of this one task, not two tasks: an idle connection
    // then costs one task's memory, and a frame for it wakes one task.
    let writer = writer.run(sink);
    tokio::pin!(writer);

    let reason = tokio::select! {
        reason = reader.run(stream) => {
            let (code, text) = reader_close(reason).unwrap_or((1000, "bye"));
            reader.outbox.close(code, text);
            // Past the grace the writer is dropped, with the socket.
            let _written = tokio::time::timeout(CLOSE_GRACE, &mut writer).await;
            "reader ended"
        }
        () = &mut writer => "writer ended",
    };
    let id = reader.id;
    let user_id = reader.person.user_id;
    state.hub.disconnect(id);
    if reader.joined.is_some() && state.hub.user_connections(user_id) == 0 {
        announce_person(state, user_id, reader.person.username.clone(), false);
    }
    tracing::info!(conn = id, peer = %connection.peer, reason, "disconnected");
}

/// Why the reader stopped, and what close frame (if any) the peer should get.
#[derive(Debug)]
enum ReaderEnd {
    PeerClosed,
    TooLarge,
    Failed,
    /// No `hello` within the configured time.
    NoHello,
    /// Joins faster than the person's allowance: a reconnect loop.
    TooManyJoins,
}

fn reader_close(end: ReaderEnd) -> Option<(u16, &'static str)> {
    match end {
        ReaderEnd::TooLarge => Some((1009, "frame too large")),
        ReaderEnd::NoHello => {
            Some((protocol::CLOSE_NO_HELLO, protocol::close_reason(protocol::CLOSE_NO_HELLO)))
        }
        ReaderEnd::TooManyJoins => {
            Some((protocol::CLOSE_TOO_MANY, protocol::close_reason(protocol::CLOSE_TOO_MANY)))
        }
        ReaderEnd::PeerClosed | ReaderEnd::Failed => None,
    }
}

/// When the connection last heard from its peer, for the ping timeout.
struct Heard {
    start: Instant,
    millis: AtomicU64,
}

impl Heard {
    fn new() -> Self {
        Self { start: Instant::now(), millis: AtomicU64::new(0) }
    }

    fn now(&self) {
        let millis = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.millis.store(millis, Ordering::Relaxed);
    }

    fn silent_for(&self) -> Duration {
        let last = Duration::from_millis(self.millis.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }
}

/// The connection's joined state.
struct Joined {
    room_id: i64,
    room: String,
    /// A member may talk; anyone else (a reader of a public room) may only listen.
    member: bool,
}

struct Reader<'a> {
    id: ConnId,
    state: &'a AppState,
    /// The signed-in person this connection speaks for.
    person: Person,
    outbox: Outbox,
    heard: Arc<Heard>,
    joined: Option<Joined>,
    /// When this connection's last `typing` was passed on.
    last_typing: Option<Instant>,
}

impl<'a> Reader<'a> {
    fn new(id: ConnId, state: &'a AppState, person: Person, outbox: Outbox, heard: Arc<Heard>) -> Self {
        Self { id, state, person, outbox, heard, joined: None, last_typing: None }
    }

    async fn run<S>(&mut self, mut stream: S) -> ReaderEnd
    where
        S: Stream<Item = Result<Message, axum::Error>> + Unpin,
    {
        let hello_by = tokio::time::Instant::now() + self.state.config.hello_timeout();
        loop {
            let next = if self.joined.is_some() {
                stream.next().await
            } else {
                // Until it joins, a connection has a deadline: sockets that never say hello
                // would otherwise hold a slot of the caps for ever.
                match tokio::time::timeout_at(hello_by, stream.next()).await {
                    Ok(next) => next,
                    Err(_) => return ReaderEnd::NoHello,
                }
            };
            let Some(message) = next else { break };
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
        if !self.outbox.push_frame(&ServerFrame::Error { code, message, client_id }) {
            self.state.hub.evict(self.id);
        }
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
            ClientFrame::Send { room, client_id, body, attachments, reply_to } => {
                self.on_send(room, client_id, body, attachments, reply_to).await
            }
            ClientFrame::Edit { room, client_id, seq, body } => {
                self.on_edit(room, client_id, seq, body).await
            }
            ClientFrame::Delete { room, client_id, seq } => self.on_delete(room, client_id, seq).await,
            ClientFrame::React { room, client_id, seq, emoji } => {
                self.on_react(room, client_id, seq, emoji).await
            }
            ClientFrame::Typing { room } => self.on_typing(room),
            ClientFrame::Ping => {
                if !self.outbox.push_frame(&ServerFrame::Pong) {
                    self.state.hub.evict(self.id);
                }
            }
        }
        None
    }

    async fn on_hello(&mut self, room: String, after: Option<protocol::ResumeFrom>) -> Option<ReaderEnd> {
        if self.joined.is_some() {
            self.refuse(
                ErrorCode::InvalidFrame,
                "already joined; open a new connection to join again".to_owned(),
                None,
            );
            return None;
        }
        if !self.state.take(&self.state.limits.hellos, "hellos", &self.person.user_id).await {
            let message = "too many joins from this account; back off before reconnecting".to_owned();
            self.refuse(ErrorCode::RateLimited, message, None);
            return Some(ReaderEnd::TooManyJoins);
        }
        self.join(room, after).await;
        None
    }

    async fn join(&mut self, room: String, after: Option<protocol::ResumeFrom>) {
        // A private room or conversation this person is not in answers exactly as a room
        // that does not exist.
        let (room_id, member) = match self.state.store.room_for(self.person.user_id, &room).await {
            Ok(Some(access)) => (access.id, access.member),
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
                tracing::debug!(conn = self.id, room, "joined");
                self.joined = Some(Joined { room_id, room, member });
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
        room: String,
        client_id: String,
        body: String,
        attachments: Vec<AttachmentId>,
        reply_to: Option<i64>,
    ) {
        let Some((client_id, room_id, room)) = self.admit_write(room, client_id).await else { return };
        let body = match validate_post(&body, &attachments) {
            Ok(body) => expand_shortcodes(body).into_owned(),
            Err(error) => return self.refuse(error.code(), error.to_string(), Some(client_id)),
        };
        if !self.spend_allowance(&client_id).await {
            return;
        }
        let Some((html, mentions)) = self.prepare_text(room_id, &body, &client_id).await else { return };
        let message = NewMessage {
            room_id,
            room,
            client_id: client_id.clone(),
            author_id: Some(self.person.user_id),
            author: self.current_name(),
            username: self.person.username.clone(),
            html,
            mentions,
            body,
            attachments,
            reply_to,
        };
        self.submit(Change::Post(message), client_id).await;
    }

    /// The text's HTML and whom it mentions; `None` (the client told) if the store cannot say.
    async fn prepare_text(
        &self,
        room_id: i64,
        body: &str,
        client_id: &str,
    ) -> Option<(String, Vec<crate::server::messages::mentions::Mentioned>)> {
        match crate::server::messages::mentions::prepare(&self.state.store, room_id, body).await {
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
    async fn on_edit(&mut self, room: String, client_id: String, target: i64, body: String) {
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
            target,
            html,
            mentions,
            body,
            window_ms: (window > 0).then(|| i64::try_from(window.saturating_mul(1_000)).unwrap_or(i64::MAX)),
        };
        self.submit(Change::Edit(edit), client_id).await;
    }

    /// `delete`: one of this person's messages, or anyone's in a room they moderate.
    async fn on_delete(&mut self, room: String, client_id: String, target: i64) {
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
            admin: self.state.is_admin(&self.person.username),
        };
        self.submit(Change::Delete(delete), client_id).await;
    }

    /// `react`: toggle this person's reaction to a message.
    async fn on_react(&mut self, room: String, client_id: String, target: i64, emoji: String) {
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

    /// The checks every write shares: a valid `client_id`, the joined room, membership. The
    /// id, the room's id and its name, or `None` after refusing.
    async fn admit_write(&mut self, room: String, client_id: String) -> Option<(String, i64, String)> {
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
        if !joined.member
            && !self.state.take(&self.state.limits.messages, "messages", &self.person.user_id).await
        {
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

    /// Spend one of the person's message allowance (this node's, then, with several nodes,
    /// the one they share); refuse (and say so) when none is left.
    async fn spend_allowance(&mut self, client_id: &str) -> bool {
        if self.state.take(&self.state.limits.messages, "messages", &self.person.user_id).await {
            return true;
        }
        let message = format!(
            "too many messages: at most {} per second (bursts of {}) per person; resend later",
            self.state.config.rate, self.state.config.burst
        );
        self.refuse(ErrorCode::RateLimited, message, Some(client_id.to_owned()));
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
    /// members), at most once per [`TYPING_RELAY_EVERY_MS`], never stored.
    fn on_typing(&mut self, room: String) {
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
        let frame =
            ServerFrame::Typing { room, username: self.person.username.clone(), name: self.current_name() };
        let frame = protocol::encode(&frame);
        if let Some(cluster) = &self.state.cluster {
            cluster.publish(ClusterEvent::Typing { room_id, frame: frame.clone() });
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

/// Tell those who share a room with this person that they came online or went offline here,
/// unless they are online on another node as well (then nothing changed for anyone).
fn announce_person(state: &AppState, user_id: i64, username: String, online: bool) {
    if !state.hub.remote().is_online(user_id) {
        crate::server::realtime::presence::announce_person(
            &state.store,
            &state.hub,
            user_id,
            username,
            online,
        );
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

struct Writer {
    id: ConnId,
    rx: QueueReceiver,
    ending: Arc<Ending>,
    bytes: Arc<QueuedBytes>,
    session_ends: tokio::time::Instant,
    shutdown: watch::Receiver<bool>,
    ping_interval: Duration,
    heard: Arc<Heard>,
}

impl Writer {
    /// Write what the queue holds, ping, and close when told to, when the session expires or
    /// when the server shuts down.
    ///
    /// Not an `async fn`, and no `self` taken apart: an `async fn`'s future keeps its
    /// arguments for its whole life *and* the copies its body makes of them, so this future
    /// uses the captured values in place. One timer serves both the pings and the session's
    /// end. Every idle connection holds this future, so each byte here is 10,000 at 10,000
    /// connections (docs/benchmarks.md, "Idle connections").
    #[expect(clippy::manual_async_fn, reason = "an async fn would keep its arguments twice (see above)")]
    fn run<S>(mut self, mut sink: S) -> impl Future<Output = ()>
    where
        S: Sink<Message, Error = axum::Error> + Unpin,
    {
        async move {
            let mut batch = Vec::new();
            let mut next_ping = tokio::time::Instant::now() + self.ping_interval;
            // Made once and polled in place: re-creating them on every pass of the loop would
            // register and unregister a waiter (a lock each) for every frame this connection
            // writes, and that showed up in the fan-out profile.
            let ended = self.ending.wait();
            let shutdown = &mut self.shutdown;
            let shutting_down = async move { shutdown.wait_for(|down| *down).await.is_ok() };
            let wake = tokio::time::sleep_until(next_ping.min(self.session_ends));
            tokio::pin!(ended, shutting_down, wake);
            let close = loop {
                tokio::select! {
                    biased;
                    code = &mut ended => break Some((code, protocol::close_reason(code))),
                    () = &mut wake => {
                        let now = tokio::time::Instant::now();
                        if now >= self.session_ends {
                            tracing::info!(conn = self.id, "session expired; closing");
                            break Some((protocol::CLOSE_SIGNED_OUT, "session expired"));
                        }
                        if now >= next_ping {
                            if self.heard.silent_for() > self.ping_interval * 2 {
                                tracing::info!(conn = self.id, "no answer to pings; closing");
                                break Some((protocol::CLOSE_TIMEOUT, "no answer to pings"));
                            }
                            if Box::pin(write(&mut sink, Message::Ping(Default::default()))).await.is_err() {
                                return;
                            }
                            next_ping = now + self.ping_interval;
                        }
                        wake.as_mut().reset(next_ping.min(self.session_ends));
                    }
                    _ = &mut shutting_down => break Some((1001, "server shutting down")),
                    received = self.rx.recv_many(&mut batch, BATCH_FRAMES) => {
                        if received == 0 {
                            break None;
                        }
                        // A write the peer does not take (a client that stopped reading) must
                        // not keep the connection, and its queue, alive once the server has
                        // ended it.
                        let written = tokio::select! {
                            biased;
                            code = &mut ended => break Some((code, protocol::close_reason(code))),
                            // Boxed, as the other writes: a write's state (its timeout timer,
                            // the transport's) is held only while it runs.
                            written = Box::pin(write_batch(&mut sink, &mut batch, &self.bytes)) => written,
                        };
                        // A burst's worth of batch is not kept for an idle connection.
                        if batch.capacity() > BATCH_KEEP {
                            batch = Vec::new();
                        }
                        match written {
                            Ok(None) => {}
                            Ok(Some(close)) => break Some(close),
                            Err(()) => return,
                        }
                    }
                }
            };
            if let Some((code, reason)) = close {
                // Briefly: a peer that is not reading will not read this either.
                let frame = CloseFrame { code, reason: Utf8Bytes::from_static(reason) };
                let close = sink.send(Message::Close(Some(frame)));
                let _peer_gone = Box::pin(tokio::time::timeout(CLOSE_GRACE, close)).await;
            }
        }
    }
}

/// Feed everything received, flush once. Returns a close request if one was queued.
async fn write_batch<S>(
    sink: &mut S,
    batch: &mut Vec<Outbound>,
    queued: &QueuedBytes,
) -> Result<Option<(u16, &'static str)>, ()>
where
    S: Sink<Message, Error = axum::Error> + Unpin,
{
    for item in batch.drain(..) {
        match item {
            Outbound::Frame(bytes) => {
                // Handed to the transport (which holds about one write buffer more): it no
                // longer counts against the queue's budget.
                queued.written(bytes.len());
                let fed = tokio::time::timeout(WRITE_TIMEOUT, sink.feed(Message::Text(bytes))).await;
                if !matches!(fed, Ok(Ok(()))) {
                    return Err(());
                }
            }
            Outbound::Close(code, reason) => return Ok(Some((code, reason))),
        }
    }
    match tokio::time::timeout(WRITE_TIMEOUT, sink.flush()).await {
        Ok(Ok(())) => Ok(None),
        _ => Err(()),
    }
}

async fn write<S>(sink: &mut S, message: Message) -> Result<(), ()>
where
    S: Sink<Message, Error = axum::Error> + Unpin,
{
    match tokio::time::timeout(WRITE_TIMEOUT, sink.send(message)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}
