//! Presence in crowded rooms: the count, not a line per arrival.
//!
//! In a room of a few dozen, "Ada joined" is news, and every socket in the room hears it. In a
//! room of thousands it is noise, and it is quadratic: N people coming online (a morning, a
//! restart's reconnections) each told to the N already there is N² frames, 400 million for a
//! room of 20,000, while the work asked for was N joins. So above [`PRESENCE_LINES_UP_TO`]
//! people online, a room's arrivals and departures are not announced one by one: the room is
//! marked, and every [`PRESENCE_COUNT_EVERY`] each marked room gets one `presence` frame with
//! the event `count` and its count of people online. Its cost is then the room's size once a
//! second at most, however many come and go.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::ids::RoomId;

/// Up to this many people online in a room, each coming and going is announced by name.
pub const PRESENCE_LINES_UP_TO: usize = 100;
/// How often a crowded room whose count changed hears it.
pub const PRESENCE_COUNT_EVERY: Duration = Duration::from_secs(1);
/// Most names a `welcome` lists of the people online (its `online_count` counts them all).
pub const ONLINE_LISTED: usize = 100;

/// The crowded rooms whose count changed since they were last told.
#[derive(Debug, Default, Clone)]
pub struct CountsDue(Arc<Mutex<HashSet<RoomId>>>);

impl CountsDue {
    pub fn mark(&self, room_id: RoomId) {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(room_id);
    }

    /// The rooms marked since the last call, each once.
    pub fn take(&self) -> Vec<RoomId> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
            .into_iter()
            .collect()
    }
}
