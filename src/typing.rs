//! Who is typing in the room: the rules both sides share, and the browser's list of typists.
//!
//! Typing is volatile: never stored, sent only to the room's connections, and forgotten after
//! [`TYPING_SHOW_MS`] without news or when the typist's message arrives.

/// The browser sends at most one `typing` frame per this many milliseconds while typing.
pub const TYPING_SEND_EVERY_MS: f64 = 3_000.0;
/// The server passes on at most one `typing` frame per connection per this many milliseconds
/// (more are dropped silently: typing is a hint, not a message).
pub const TYPING_RELAY_EVERY_MS: u64 = 1_000;
/// How long "… is typing" stays up without another `typing` frame.
pub const TYPING_SHOW_MS: f64 = 6_000.0;

/// People typing now, by username, with their display names and when to forget them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Typists {
    entries: Vec<(String, String, f64)>,
}

impl Typists {
    /// `username` (shown as `name`) typed at `now` (milliseconds).
    pub fn typed(&mut self, username: &str, name: &str, now: f64) {
        let until = now + TYPING_SHOW_MS;
        match self.entries.iter_mut().find(|(user, _, _)| user == username) {
            Some(entry) => {
                entry.1 = name.to_owned();
                entry.2 = until;
            }
            None => self.entries.push((username.to_owned(), name.to_owned(), until)),
        }
    }

    /// Their message arrived (from `username`): they are done typing it.
    pub fn sent(&mut self, username: &str) {
        self.entries.retain(|(user, _, _)| user != username);
    }

    /// Forget whoever has been quiet too long. True if anything changed.
    pub fn expire(&mut self, now: f64) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(_, _, until)| *until > now);
        self.entries.len() != before
    }

    /// The line under the messages, or `None` when nobody is typing.
    pub fn line(&self) -> Option<String> {
        match self.entries.as_slice() {
            [] => None,
            [(_, a, _)] => Some(format!("{a} is typing…")),
            [(_, a, _), (_, b, _)] => Some(format!("{a} and {b} are typing…")),
            _ => Some("Several people are typing…".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_one_or_two_and_counts_more() {
        let mut t = Typists::default();
        assert_eq!(t.line(), None);
        t.typed("alice", "Alice", 0.0);
        assert_eq!(t.line().as_deref(), Some("Alice is typing…"));
        t.typed("bob", "Bob", 0.0);
        assert_eq!(t.line().as_deref(), Some("Alice and Bob are typing…"));
        t.typed("cat", "Cat", 0.0);
        assert_eq!(t.line().as_deref(), Some("Several people are typing…"));
    }

    #[test]
    fn typists_go_after_silence_or_when_their_message_arrives() {
        let mut t = Typists::default();
        t.typed("alice", "Alice", 0.0);
        t.typed("bob", "Bob", 2_000.0);
        assert!(!t.expire(TYPING_SHOW_MS - 1.0));
        assert!(t.expire(TYPING_SHOW_MS));
        assert_eq!(t.line().as_deref(), Some("Bob is typing…"));
        t.sent("bob");
        assert_eq!(t.line(), None);
    }

    #[test]
    fn two_people_with_one_name_are_two_typists() {
        let mut t = Typists::default();
        t.typed("sam1", "Sam", 0.0);
        t.typed("sam2", "Sam", 0.0);
        assert_eq!(t.line().as_deref(), Some("Sam and Sam are typing…"));
        t.sent("sam2");
        assert_eq!(t.line().as_deref(), Some("Sam is typing…"));
    }

    #[test]
    fn typing_again_keeps_one_entry_and_extends_it() {
        let mut t = Typists::default();
        t.typed("alice", "Alice", 0.0);
        t.typed("alice", "Alice", 5_000.0);
        assert!(!t.expire(TYPING_SHOW_MS + 1.0));
        assert_eq!(t.line().as_deref(), Some("Alice is typing…"));
    }
}
