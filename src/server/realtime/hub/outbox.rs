//! A connection as the hub sees it: its outbox (push a frame without waiting, or learn it did not
//! fit), the bytes it has queued, and how it is told to end.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::Notify;

use crate::protocol::{CLOSE_SLOW_CONSUMER, ServerFrame, encode};
use crate::server::realtime::outbound_queue::QueueSender;

pub type ConnId = u64;

/// What a connection's writer receives.
#[derive(Debug)]
pub enum Outbound {
    /// A serialized frame to send as a text message.
    Frame(Utf8Bytes),
    /// Send a close frame with this code and reason, then stop.
    Close(u16, &'static str),
}

/// The sending side of one connection: its queue, and the signal that it must close.
#[derive(Clone, Debug)]
pub struct Outbox {
    pub id: ConnId,
    queue: QueueSender,
    /// Set when the server ends this connection (slow consumer, removed, signed out).
    ending: Arc<Ending>,
    /// Bytes queued and not yet written, against this connection's budget.
    pub(super) bytes: Arc<QueuedBytes>,
}

/// What a connection's queue holds in bytes, and the most it may: past it, the connection is a
/// slow consumer, however few frames that is (a replay's frames are large).
#[derive(Debug)]
pub struct QueuedBytes {
    now: AtomicUsize,
    budget: usize,
}

impl QueuedBytes {
    /// Frames of `len` bytes left the queue for the socket.
    pub fn written(&self, len: usize) {
        self.now.fetch_sub(len, Ordering::AcqRel);
    }

    pub fn now(&self) -> usize {
        self.now.load(Ordering::Acquire)
    }
}

/// Why the server ends a connection, and the wake-up for its writer. The first reason given
/// wins; the writer sends it as the close code.
#[derive(Debug, Default)]
pub struct Ending {
    code: AtomicU16,
    notify: Notify,
}

impl Ending {
    /// The close code, once the connection has been told to end.
    pub fn code(&self) -> Option<u16> {
        match self.code.load(Ordering::Acquire) {
            0 => None,
            code => Some(code),
        }
    }

    /// Resolves once [`Outbox::end`] has been called (at once if it already was).
    pub async fn wait(&self) -> u16 {
        loop {
            // Register before checking, so an `end` between the two is not missed.
            let notified = self.notify.notified();
            if let Some(code) = self.code() {
                return code;
            }
            notified.await;
        }
    }
}

impl Outbox {
    /// A connection's sending side, holding at most `budget` bytes queued.
    pub fn new(id: ConnId, queue: QueueSender, budget: usize) -> Self {
        let bytes = Arc::new(QueuedBytes { now: AtomicUsize::new(0), budget });
        Self { id, queue, ending: Arc::new(Ending::default()), bytes }
    }

    /// Queue a frame without waiting. `false` means the queue is full, in frames or bytes (or
    /// the writer is gone), and the frame was not queued: the connection is a slow consumer and
    /// must be ended ([`Hub::send`](super::Hub::send), [`Outbox::push_or_kick`]).
    #[must_use = "a frame that did not fit means a slow consumer, to be ended"]
    pub fn push(&self, frame: Utf8Bytes) -> bool {
        let len = frame.len();
        let before = self.bytes.now.fetch_add(len, Ordering::AcqRel);
        if before + len > self.bytes.budget || self.queue.try_send(Outbound::Frame(frame)).is_err() {
            self.bytes.written(len);
            return false;
        }
        true
    }

    /// The byte count the writer lowers as it sends.
    pub fn bytes(&self) -> Arc<QueuedBytes> {
        self.bytes.clone()
    }

    /// The most bytes this connection may have queued.
    pub fn budget(&self) -> usize {
        self.bytes.budget
    }

    /// Serialize and queue one frame meant for this connection alone.
    #[must_use = "a frame that did not fit means a slow consumer, to be ended"]
    pub fn push_frame(&self, frame: &ServerFrame) -> bool {
        self.push(Utf8Bytes::from(encode(frame)))
    }

    pub fn close(&self, code: u16, reason: &'static str) -> bool {
        self.queue.try_send(Outbound::Close(code, reason)).is_ok()
    }

    /// Queue `frame` for a connection not yet in the hub (joining); if it does not fit, tell the
    /// writer to close as a slow consumer. Whether it fit.
    pub fn push_or_kick(&self, frame: &ServerFrame) -> bool {
        let fit = self.push_frame(frame);
        if !fit {
            self.kick();
        }
        fit
    }

    /// Tell the writer to close as a slow consumer (for a connection not yet in the hub).
    pub fn kick(&self) {
        self.end(CLOSE_SLOW_CONSUMER);
    }

    /// Tell the writer to close now with `code`, ahead of anything still queued. Nothing the
    /// connection sends afterwards is acted on ([`Outbox::is_ending`]).
    pub fn end(&self, code: u16) {
        let _first_reason_wins =
            self.ending.code.compare_exchange(0, code, Ordering::AcqRel, Ordering::Acquire);
        self.ending.notify.notify_waiters();
    }

    /// Whether the server has ended this connection.
    pub fn is_ending(&self) -> bool {
        self.ending.code().is_some()
    }

    pub fn ending(&self) -> Arc<Ending> {
        self.ending.clone()
    }
}
