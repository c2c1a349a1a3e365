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

macro_rules! name_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
        #[cfg_attr(feature = "ssr", sqlx(transparent))]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// Maps and sets keyed by the name can be asked with a `&str`.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                Self(text)
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self(text.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> String {
                name.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        /// Shown as its text in a view.
        impl leptos::prelude::IntoRender for $name {
            type Output = String;

            fn into_render(self) -> String {
                self.0
            }
        }

        /// An attribute's value (`data-room`, a hidden form field) is its text.
        impl leptos::prelude::IntoAttributeValue for $name {
            type Output = String;

            fn into_attribute_value(self) -> String {
                self.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

name_id!(
    /// A room's name as people and the wire know it (`general`, `dm-3-7`): what frames, pages
    /// and URLs name a room by. Its rules (`crate::rooms::normalize_room_name`) are checked
    /// where a name is made, not here.
    RoomName
);

name_id!(
    /// A person's username: stable, unique, what tells people apart (display names are
    /// neither) and what `@mentions` name. Its rules are in `crate::accounts`.
    Username
);

impl Username {
    /// `names` joined by `separator`. The browser's build already holds `[&str]::join`; a
    /// `[Username]::join` would be one more copy of it in the wasm.
    pub fn join(names: &[Username], separator: &str) -> String {
        names.iter().map(Username::as_str).collect::<Vec<_>>().join(separator)
    }
}
