//! Which new messages concern a person enough to notify them: per room, a level; per person,
//! "do not disturb" until a chosen time.
//!
//! Shared: the server stores the levels and the pause, and the page applies the same rule to
//! each message it hears about before it shows a system notification.

use crate::ids::Username;
use serde::{Deserialize, Serialize};

use crate::rooms::RoomKind;

/// How much of a room notifies a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum NotifyLevel {
    /// Every message.
    All,
    /// Only messages that mention the person.
    Mentions,
    /// Nothing (muted).
    Nothing,
}

impl NotifyLevel {
    /// Choices, as forms offer them.
    pub const CHOICES: [NotifyLevel; 3] = [NotifyLevel::All, NotifyLevel::Mentions, NotifyLevel::Nothing];

    /// A room's level until the person chooses one: conversations notify of everything; rooms
    /// (which can be busy) only of mentions.
    pub fn default_for(kind: RoomKind) -> Self {
        match kind {
            RoomKind::Direct => NotifyLevel::All,
            RoomKind::Public | RoomKind::Private => NotifyLevel::Mentions,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NotifyLevel::All => "all",
            NotifyLevel::Mentions => "mentions",
            NotifyLevel::Nothing => "none",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        NotifyLevel::CHOICES.into_iter().find(|level| level.as_str() == text)
    }

    /// What a form shows for it.
    pub fn label(self) -> &'static str {
        match self {
            NotifyLevel::All => "All messages",
            NotifyLevel::Mentions => "Mentions of me",
            NotifyLevel::Nothing => "Nothing (muted)",
        }
    }
}

/// The choices "do not disturb" offers, in minutes from now.
pub const DO_NOT_DISTURB_CHOICES: [(i64, &str); 3] =
    [(60, "for an hour"), (8 * 60, "for 8 hours"), (24 * 60, "for a day")];

/// A new message, as far as notifying is concerned.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// Its author's username.
    pub author: &'a str,
    /// Usernames it mentions.
    pub mentions: &'a [Username],
    /// A reply in a thread, not sent to the room: news only for whom it mentions and who
    /// follows the thread.
    pub thread_only: bool,
    /// A reply in a thread the person follows: news as a mention is.
    pub followed: bool,
}

/// Whether `message` should notify `me` in a room at `level`, with "do not disturb" set until
/// `quiet_until` (ms since the Unix epoch), at time `now`.
pub fn concerns(
    level: NotifyLevel,
    me: &str,
    message: Incoming<'_>,
    quiet_until: Option<i64>,
    now: i64,
) -> bool {
    if message.author == me || quiet_until.is_some_and(|until| until > now) {
        return false;
    }
    let mentioned = message.followed || message.mentions.iter().any(|m| m == me);
    match level {
        NotifyLevel::All => !message.thread_only || mentioned,
        NotifyLevel::Mentions => mentioned,
        NotifyLevel::Nothing => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn says(author: &str, mentions: &[&str]) -> (String, Vec<Username>) {
        (author.to_owned(), mentions.iter().map(|m| Username::from(*m)).collect())
    }

    fn check(level: NotifyLevel, message: &(String, Vec<Username>), quiet: Option<i64>) -> bool {
        concerns(
            level,
            "ann",
            Incoming { author: &message.0, mentions: &message.1, thread_only: false, followed: false },
            quiet,
            1_000,
        )
    }

    #[test]
    fn each_level_lets_through_what_it_says() {
        let plain = says("bob", &[]);
        let to_ann = says("bob", &["ann"]);
        let to_carol = says("bob", &["carol"]);
        assert!(check(NotifyLevel::All, &plain, None));
        assert!(!check(NotifyLevel::Mentions, &plain, None));
        assert!(!check(NotifyLevel::Mentions, &to_carol, None));
        assert!(check(NotifyLevel::Mentions, &to_ann, None));
        assert!(!check(NotifyLevel::Nothing, &to_ann, None));
    }

    #[test]
    fn a_reply_only_in_a_thread_notifies_only_whom_it_mentions() {
        let in_thread = |mentions: &[Username]| {
            let message = Incoming { author: "bob", mentions, thread_only: true, followed: false };
            concerns(NotifyLevel::All, "ann", message, None, 1_000)
        };
        assert!(!in_thread(&[]), "not every reply of every thread");
        assert!(in_thread(&[Username::from("ann")]));
        // A thread she follows is news as a mention is, at every level but "nothing".
        let followed = Incoming { author: "bob", mentions: &[], thread_only: true, followed: true };
        assert!(concerns(NotifyLevel::Mentions, "ann", followed, None, 1_000));
        assert!(!concerns(NotifyLevel::Nothing, "ann", followed, None, 1_000));
    }

    #[test]
    fn never_for_ones_own_messages_or_while_quiet() {
        assert!(!check(NotifyLevel::All, &says("ann", &["ann"]), None));
        assert!(!check(NotifyLevel::All, &says("bob", &["ann"]), Some(1_001)));
        // The pause is over at its time.
        assert!(check(NotifyLevel::All, &says("bob", &[]), Some(1_000)));
    }

    #[test]
    fn conversations_notify_of_everything_rooms_of_mentions() {
        assert_eq!(NotifyLevel::default_for(RoomKind::Direct), NotifyLevel::All);
        assert_eq!(NotifyLevel::default_for(RoomKind::Public), NotifyLevel::Mentions);
        assert_eq!(NotifyLevel::default_for(RoomKind::Private), NotifyLevel::Mentions);
        for level in NotifyLevel::CHOICES {
            assert_eq!(NotifyLevel::parse(level.as_str()), Some(level));
        }
        assert_eq!(NotifyLevel::parse("loud"), None);
    }
}
