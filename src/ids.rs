//! Typed ids: a room's row id, an account's row id, a position in a room, a room's name and a
//! person's username, each its own type.
//!
//! Why: they were all `i64` or `String`, and functions that take five of them in a row
//! (`record_event(room_id, seq, target, …, actor_id, …)`) or maps keyed by two (`(room, user)`)
//! compiled just as well with two swapped. As types, a swap is a compile error. conduwuit's
//! `RoomId`/`UserId` are the model.
//!
//! On the wire and in the database they are what they wrap (`serde(transparent)`,
//! `sqlx(transparent)`), so the protocol, the HTTP API and the schema are unchanged. The wrapped
//! value stays reachable (`.0`, [`RoomName::as_str`]) for arithmetic, SQL built by hand, and the
//! few places that genuinely need the number or text.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type))]
        #[cfg_attr(feature = "ssr", sqlx(transparent))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

row_id!(
    /// A room's row id (`rooms.id`). Never on the wire: clients name rooms by [`RoomName`].
    RoomId
);

row_id!(
    /// An account's row id (`users.id`), bots included. Never on the wire: clients name people
    /// by [`Username`].
    UserId
);

/// A position in one room's history, given out by the sequencer: 1, 2, 3 … with no gaps, for
/// messages and for every change to them (an edit, a reaction, a pin, a receipt). 0 is "before
/// the first". A `Seq` means nothing without its room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(transparent))]
#[serde(transparent)]
pub struct Seq(pub i64);

impl Seq {
    /// Before the room's first event.
    pub const ZERO: Seq = Seq(0);
}

/// `n` positions later (or earlier, for a negative `n`), as `Instant + Duration` is.
impl std::ops::Add<i64> for Seq {
    type Output = Seq;

    fn add(self, n: i64) -> Seq {
        Seq(self.0.saturating_add(n))
    }
}

impl std::ops::AddAssign<i64> for Seq {
    fn add_assign(&mut self, n: i64) {
        *self = *self + n;
    }
}

/// `n` positions earlier.
impl std::ops::Sub<i64> for Seq {
    type Output = Seq;

    fn sub(self, n: i64) -> Seq {
        Seq(self.0.saturating_sub(n))
    }
}

/// How many positions lie between two: a count, not a position.
impl std::ops::Sub<Seq> for Seq {
    type Output = i64;

    fn sub(self, earlier: Seq) -> i64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for Seq {
    type Err = std::num::ParseIntError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse().map(Seq)
    }
}
