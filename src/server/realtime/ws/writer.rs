//! The writer: drains the connection's queue in batches, flushes once, pings, and ends the
//! connection when its session expires, the server shuts down or the hub ends it.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use futures::{Sink, SinkExt};

use super::{CLOSE_GRACE, Heard, WRITE_TIMEOUT};
use crate::protocol;
use crate::server::realtime::hub::{ConnId, Ending, Outbound, QueuedBytes};
use crate::server::realtime::outbound_queue::QueueReceiver;

/// Frames the writer takes from its queue at once.
const BATCH_FRAMES: usize = 256;
/// Slots of the writer's batch kept between writes; a larger one (after a burst) is freed.
const BATCH_KEEP: usize = 64;

pub(super) struct Writer {
    pub(super) id: ConnId,
    pub(super) rx: QueueReceiver,
    pub(super) ending: Arc<Ending>,
    pub(super) bytes: Arc<QueuedBytes>,
    pub(super) session_ends: tokio::time::Instant,
    /// Until it has joined a room, the connection ends at this time (`--hello-timeout`).
    pub(super) hello_by: tokio::time::Instant,
    pub(super) ping_interval: Duration,
    pub(super) heard: Arc<Heard>,
}

impl Writer {
    /// Write what the queue holds, ping, and close when told to, when the session expires or
    /// when the server shuts down.
    ///
    /// Not an `async fn`, and no `self` taken apart: an `async fn`'s future keeps its
    /// arguments for its whole life *and* the copies its body makes of them, so this future
    /// uses the captured values in place. One timer serves the pings, the session's end and
    /// the hello deadline. Every idle connection holds this future, so each byte here is
    /// 10,000 at 10,000 connections (docs/benchmarks.md, "Idle connections").
    #[expect(clippy::manual_async_fn, reason = "an async fn would keep its arguments twice (see above)")]
    pub(super) fn run<S>(mut self, mut sink: S) -> impl Future<Output = ()>
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
            let wake = tokio::time::sleep_until(self.next_wake(next_ping));
            tokio::pin!(ended, wake);
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
                        if now >= self.hello_by && !self.heard.has_joined() {
                            tracing::info!(conn = self.id, "no hello in time; closing");
                            let code = protocol::CLOSE_NO_HELLO;
                            break Some((code, protocol::close_reason(code)));
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
                        wake.as_mut().reset(self.next_wake(next_ping));
                    }
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

    /// When the timer next has something to check: a ping, the session's end, or (until the
    /// connection joins) its hello deadline.
    fn next_wake(&self, next_ping: tokio::time::Instant) -> tokio::time::Instant {
        let wake = next_ping.min(self.session_ends);
        if self.heard.has_joined() { wake } else { wake.min(self.hello_by) }
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
