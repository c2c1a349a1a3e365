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

use crate::ids::{UserId, Username};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::Message;
use futures::{Sink, Stream, StreamExt};

use crate::model::now_ms;
use crate::server::realtime::hub::Person;
use crate::server::state::AppState;

mod reader;
mod upgrade;
mod writer;

use reader::{Reader, reader_close};
use upgrade::Admitted;
pub use upgrade::upgrade;
use writer::Writer;

/// Bytes the transport reads from the socket at a time, and its read buffer's first size. Small,
/// so that idle connections (most of them) cost little memory: a client's frames are short
/// (a message of 4,000 characters is the rare large one, read in several steps).
pub const READ_BUFFER_BYTES: usize = 256;
/// Bytes the transport gathers before it writes to the socket.
pub const WRITE_BUFFER_BYTES: usize = 8 * 1024;
/// Most bytes written but not yet accepted by the socket; past this the writer waits.
pub const MAX_WRITE_BUFFER_BYTES: usize = 4 * 1024 * 1024;
/// A write that the peer does not drain within this time ends the connection.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the reader lets the writer finish a close frame before giving up on it.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// What one connection's task holds for its whole life, in one allocation. A task's future
/// keeps room for every value it captured, even once moved on, at every level of `async`
/// nesting; a box passed down is eight bytes at each level instead of the whole state.
pub struct Connection {
    pub state: Arc<AppState>,
    pub peer: SocketAddr,
    pub caller: Caller,
    /// Counted against the connection cap until the connection ends.
    _permit: tokio::sync::OwnedSemaphorePermit,
}

/// The one copy of the server's state that every connection shares. `AppState` is a bundle of
/// handles (over a kilobyte of them: the store, the hub, the config, the mailer, …); axum hands
/// each request a copy of its own, which a connection would keep for its whole life. The router
/// gives `/ws` this one instead (`server::router`): eight bytes per connection.
#[derive(Clone)]
pub struct SharedState(pub Arc<AppState>);

/// Who a connection speaks for, decided once at the upgrade.
pub struct Caller {
    pub person: Person,
    /// When its session expires (milliseconds since the Unix epoch): the connection ends then.
    pub expires_at: i64,
    /// Its place in the hub, taken before the upgrade.
    admitted: Admitted,
}

/// Run one connection to its end, over any transport of WebSocket messages.
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
        tracing::info!(conn = %id, peer = %connection.peer, user = %caller.person.user_id, "connected");
        let heard = Arc::new(Heard::new());
        let now = tokio::time::Instant::now();
        let session_left = Duration::from_millis(u64::try_from(caller.expires_at - now_ms()).unwrap_or(0));
        let writer = Writer {
            id,
            rx,
            ending: outbox.ending(),
            bytes: outbox.bytes(),
            session_ends: now + session_left,
            hello_by: now + state.config.hello_timeout(),
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

/// What the reader has heard from its peer, for the writer's one timer: when it last heard
/// anything (the ping timeout), and whether it has joined a room (the hello deadline).
struct Heard {
    start: Instant,
    millis: AtomicU64,
    joined: AtomicBool,
}

impl Heard {
    fn new() -> Self {
        Self { start: Instant::now(), millis: AtomicU64::new(0), joined: AtomicBool::new(false) }
    }

    fn joined(&self) {
        self.joined.store(true, Ordering::Relaxed);
    }

    fn has_joined(&self) -> bool {
        self.joined.load(Ordering::Relaxed)
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

/// Tell those who share a room with this person that they came online or went offline here,
/// unless they are online on another node as well (then nothing changed for anyone).
fn announce_person(state: &AppState, user_id: UserId, username: Username, online: bool) {
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
