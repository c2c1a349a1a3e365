//! `@username` in a message: the mentions a text holds, and the one being typed.
//!
//! Shared: the server reads mentions out of what is posted (and stores each as a reference
//! to the account, `server::messages::mentions`); the composer offers completions for the one at the
//! caret. A mention is a username, not a display name: usernames are unique and never
//! change, so `@ann` means the same person after she renames herself.

use crate::accounts::{MAX_USERNAME_CHARS, MIN_USERNAME_CHARS, normalize_username};

/// Most people one message mentions; later `@names` stay plain text.
pub const MAX_MENTIONS: usize = 20;

fn username_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// Where each `@name` starts (at the `@`) and the name, in order of appearance. A mention
/// starts a word: `ann@example.com` mentions nobody. A full stop ending a sentence is not
/// part of the name.
pub fn mention_spans(body: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut previous: Option<char> = None;
    for (at, c) in body.char_indices() {
        let starts_word = previous.is_none_or(|p| !(username_char(p) || p == '@'));
        previous = Some(c);
        if c != '@' || !starts_word {
            continue;
        }
        let rest = &body[at + 1..];
        let end = rest.find(|c: char| !username_char(c)).unwrap_or(rest.len());
        let name = rest[..end].trim_end_matches('.');
        if (MIN_USERNAME_CHARS..=MAX_USERNAME_CHARS).contains(&name.len()) {
            out.push((at, name));
        }
    }
    out
}

/// The usernames `body` mentions, lower-cased, each once, at most [`MAX_MENTIONS`].
pub fn mentioned(body: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (_, name) in mention_spans(body) {
        let Ok(name) = normalize_username(name) else { continue };
        if !names.contains(&name) {
            names.push(name);
        }
        if names.len() == MAX_MENTIONS {
            break;
        }
    }
    names
}

/// The start of a mention being typed at the end of `before_caret` (what follows its `@`,
/// possibly empty), if the caret is in one.
pub fn typing_mention(before_caret: &str) -> Option<&str> {
    let at = before_caret.rfind('@')?;
    let typed = &before_caret[at + 1..];
    let starts_word = before_caret[..at].chars().next_back().is_none_or(|p| !(username_char(p) || p == '@'));
    (starts_word && typed.len() <= MAX_USERNAME_CHARS && typed.chars().all(username_char)).then_some(typed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_start_a_word_and_end_before_a_full_stop() {
        assert_eq!(mentioned("hi @Ann, ask @bob.smith. Thanks @ann!"), ["ann", "bob.smith"]);
        assert_eq!(mentioned("mail ann@example.com or @@x @ b"), Vec::<String>::new());
        assert_eq!(mentioned("(@carol) and\n@dave_1"), ["carol", "dave_1"]);
    }

    #[test]
    fn too_short_or_too_long_is_not_a_mention() {
        assert!(mentioned("@a").is_empty());
        assert!(mentioned(&format!("@{}", "x".repeat(MAX_USERNAME_CHARS + 1))).is_empty());
    }

    #[test]
    fn at_most_so_many_people_per_message() {
        let many: String = (0..MAX_MENTIONS + 5).map(|i| format!("@user{i} ")).collect();
        assert_eq!(mentioned(&many).len(), MAX_MENTIONS);
    }

    #[test]
    fn the_mention_being_typed_is_what_follows_the_last_at_sign() {
        assert_eq!(typing_mention("hey @an"), Some("an"));
        assert_eq!(typing_mention("@"), Some(""));
        assert_eq!(typing_mention("hey @ann "), None);
        assert_eq!(typing_mention("mail ann@exa"), None);
        assert_eq!(typing_mention("no mention"), None);
    }
}
