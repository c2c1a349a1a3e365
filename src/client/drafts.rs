//! Keeping the composer's text on the server as the room's draft while the person types.
//!
//! At most one save every [`DRAFT_SAVE_EVERY_MS`] and one at a time: a save waits out the
//! interval, then sends the latest text, so the last thing typed is always what ends up saved
//! and saves never overtake each other (an empty save after sending lands after any earlier
//! one). The server also forgets the draft when the message is posted.

use crate::ids::{RoomName, Seq};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;

use crate::model::DRAFT_SAVE_EVERY_MS;

/// What the draft should be: the text and the message it answers.
type Wanted = (String, Option<Seq>);

#[derive(Default)]
struct Sync {
    /// Newer than what was saved, not sent yet.
    wanted: Option<Wanted>,
    /// What the server holds, as far as this page knows.
    saved: Wanted,
    /// A saving task is running.
    running: bool,
}

/// A composer's handle on its draft: the room's, or a thread's.
#[derive(Clone, Copy)]
pub struct DraftSync {
    room: StoredValue<RoomName>,
    thread: Option<Seq>,
    state: StoredValue<Sync>,
}

impl DraftSync {
    /// For `room` (in the thread of `thread`), starting from what the page was rendered with.
    pub fn new(room: RoomName, thread: Option<Seq>, body: String, reply_to: Option<Seq>) -> Self {
        let state = Sync { saved: (body, reply_to), ..Sync::default() };
        Self { room: StoredValue::new(room), thread, state: StoredValue::new(state) }
    }

    /// The text (or the reply) changed: save it soon.
    pub fn changed(self, body: String, reply_to: Option<Seq>) {
        let mut start = false;
        self.state.update_value(|s| {
            s.wanted = Some((body, reply_to));
            start = !s.running;
            s.running = true;
        });
        if start {
            leptos::task::spawn_local(self.run());
        }
    }

    async fn run(self) {
        loop {
            TimeoutFuture::new(DRAFT_SAVE_EVERY_MS as u32).await;
            let mut next = None;
            self.state.update_value(|s| match s.wanted.take() {
                Some(wanted) if wanted != s.saved => next = Some(wanted),
                Some(_) => {}
                None => s.running = false,
            });
            let running = self.state.with_value(|s| s.running);
            let Some((body, reply_to)) = next else {
                if running {
                    continue;
                }
                return;
            };
            match crate::api::call(crate::api::SaveDraft {
                room: self.room.get_value(),
                body: body.clone(),
                reply_to,
                thread: self.thread,
            })
            .await
            {
                Ok(()) => self.state.update_value(|s| s.saved = (body, reply_to)),
                // Tried again after the next interval, unless something newer is wanted by then.
                Err(error) => {
                    leptos::logging::warn!("cannot save the draft: {error}");
                    self.state.update_value(|s| {
                        s.wanted.get_or_insert((body, reply_to));
                    });
                }
            }
        }
    }
}
