//! One connection's outgoing queue: the hub pushes frames without waiting, the connection's
//! writer takes all that wait at once.
//!
//! Why not a tokio channel: a bounded channel allocates its first block of 32 slots when made,
//! about a kilobyte that every idle connection held for its whole life. Here the frames sit in
//! a `VecDeque` that holds no memory while empty and gives it back whenever the writer empties
//! it, so an idle connection's queue is a mutex, a waker and two counters. The lock is held
//! only to push one frame or to move the waiting ones out.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Poll;

use futures::task::AtomicWaker;

use crate::server::realtime::hub::Outbound;

/// Smallest per-connection queue the server accepts (`--queue-frames` below it is raised).
pub const MIN_QUEUE_FRAMES: usize = 64;
/// Smallest per-connection byte budget the server accepts (`--queue-bytes` below it is raised).
pub const MIN_QUEUE_BYTES: usize = 64 * 1024;

/// A new queue holding at most `capacity` items.
pub fn channel(capacity: usize) -> (QueueSender, QueueReceiver) {
    let shared = Arc::new(Shared {
        items: Mutex::new(VecDeque::new()),
        capacity: capacity.max(1),
        senders: AtomicUsize::new(1),
        writer: AtomicWaker::new(),
    });
    (QueueSender { shared: shared.clone() }, QueueReceiver { shared })
}

#[derive(Debug)]
struct Shared {
    items: Mutex<VecDeque<Outbound>>,
    capacity: usize,
    /// Live senders; at zero the receiver sees the end once the queue is empty.
    senders: AtomicUsize,
    writer: AtomicWaker,
}

impl Shared {
    fn items(&self) -> MutexGuard<'_, VecDeque<Outbound>> {
        // A panic while pushing or draining leaves a consistent deque: carry on with it.
        self.items.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The pushing side; cloned for the hub and the connection's own reader.
#[derive(Debug)]
pub struct QueueSender {
    shared: Arc<Shared>,
}

impl QueueSender {
    /// Queue `item` unless the queue is full; the full queue hands it back.
    pub fn try_send(&self, item: Outbound) -> Result<(), Outbound> {
        {
            let mut items = self.shared.items();
            if items.len() >= self.shared.capacity {
                return Err(item);
            }
            items.push_back(item);
        }
        self.shared.writer.wake();
        Ok(())
    }
}

impl Clone for QueueSender {
    fn clone(&self) -> Self {
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Self { shared: self.shared.clone() }
    }
}

impl Drop for QueueSender {
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.writer.wake();
        }
    }
}

/// The writer's side.
#[derive(Debug)]
pub struct QueueReceiver {
    shared: Arc<Shared>,
}

impl QueueReceiver {
    /// Wait until something is queued, then move up to `limit` items into `batch`. 0 means
    /// every sender is gone and nothing is left. Cancel-safe: items are moved only when it
    /// returns.
    pub async fn recv_many(&mut self, batch: &mut Vec<Outbound>, limit: usize) -> usize {
        poll_fn(|cx| {
            // Register first, so a push between the check and the wait still wakes us.
            self.shared.writer.register(cx.waker());
            let taken = self.take(batch, limit);
            if taken > 0 {
                return Poll::Ready(taken);
            }
            if self.shared.senders.load(Ordering::Acquire) == 0 {
                return Poll::Ready(0);
            }
            Poll::Pending
        })
        .await
    }

    /// One item if any is queued, without waiting.
    pub fn try_recv(&mut self) -> Option<Outbound> {
        let mut items = self.shared.items();
        let item = items.pop_front();
        release_if_empty(&mut items);
        item
    }

    fn take(&self, batch: &mut Vec<Outbound>, limit: usize) -> usize {
        let mut items = self.shared.items();
        let n = items.len().min(limit);
        batch.extend(items.drain(..n));
        release_if_empty(&mut items);
        n
    }
}

/// Slots an emptied queue keeps: enough for a busy room's steady batches without growing the
/// deque again each time, little for a connection that then sits idle.
pub const KEEP_SLOTS: usize = 64;

/// An emptied queue grown past [`KEEP_SLOTS`] (a burst, a replay) gives its memory back: most
/// connections wait far longer than they write.
fn release_if_empty(items: &mut VecDeque<Outbound>) {
    if items.is_empty() && items.capacity() > KEEP_SLOTS {
        *items = VecDeque::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::ws::Utf8Bytes;

    fn frame(text: &'static str) -> Outbound {
        Outbound::Frame(Utf8Bytes::from_static(text))
    }

    fn texts(batch: &[Outbound]) -> Vec<&str> {
        batch
            .iter()
            .map(|item| match item {
                Outbound::Frame(bytes) => bytes.as_str(),
                Outbound::Close(..) => "close",
            })
            .collect()
    }

    #[tokio::test]
    async fn frames_come_out_in_order_up_to_the_limit_and_a_full_queue_refuses() {
        let (tx, mut rx) = channel(3);
        for text in ["a", "b", "c"] {
            tx.try_send(frame(text)).expect("room");
        }
        assert!(tx.try_send(frame("d")).is_err(), "full at three");
        let mut batch = Vec::new();
        assert_eq!(rx.recv_many(&mut batch, 2).await, 2);
        assert_eq!(rx.recv_many(&mut batch, 2).await, 1);
        assert_eq!(texts(&batch), ["a", "b", "c"]);
        tx.try_send(frame("d")).expect("room again");
    }

    #[tokio::test]
    async fn a_waiting_writer_wakes_for_a_frame_and_ends_when_every_sender_is_gone() {
        let (tx, mut rx) = channel(8);
        let hub_copy = tx.clone();
        let writer = tokio::spawn(async move {
            let mut batch = Vec::new();
            let mut rounds = Vec::new();
            loop {
                match rx.recv_many(&mut batch, 8).await {
                    0 => break rounds,
                    n => rounds.push(n),
                }
            }
        });
        tx.try_send(frame("hello")).expect("room");
        drop(tx);
        hub_copy.try_send(frame("again")).expect("room");
        drop(hub_copy);
        let rounds = writer.await.expect("writer ran");
        assert_eq!(rounds.iter().sum::<usize>(), 2, "both frames, then the end: {rounds:?}");
    }

    #[test]
    fn an_idle_queue_holds_no_more_than_a_few_slots() {
        let burst = KEEP_SLOTS * 2;
        let (tx, mut rx) = channel(burst);
        assert_eq!(rx.shared.items().capacity(), 0, "nothing until the first frame");
        for _ in 0..burst {
            tx.try_send(frame("x")).expect("room");
        }
        let mut batch = Vec::new();
        assert_eq!(rx.take(&mut batch, burst), burst);
        assert_eq!(rx.shared.items().capacity(), 0, "a burst's deque is freed once emptied");
        tx.try_send(frame("y")).expect("room");
        assert!(rx.try_recv().is_some());
        assert!(rx.shared.items().capacity() <= KEEP_SLOTS);
    }
}
