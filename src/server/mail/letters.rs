//! What each email says. Plain text only: a message's words are quoted as written, never
//! rendered, so nothing in a digest can be markup, a tracking image or a disguised link. Every
//! link starts with `--public-url`.

use crate::api::EMAIL_SETTINGS_PATH;
use crate::server::accounts::password_resets::{RESET_VALID_MS, reset_link};
use crate::server::mail::addresses::{VERIFY_PATH, VERIFY_VALID_MS};
use crate::server::mail::mailer::Letter;
use crate::server::mail::unsubscribe::UNSUBSCRIBE_PATH;

/// Characters of each message a digest quotes; the link leads to the rest.
pub const DIGEST_EXCERPT_CHARS: usize = 280;
/// Messages of one room a digest quotes; it counts the others.
pub const DIGEST_MESSAGES_PER_ROOM: usize = 10;

const HOURS: i64 = 3_600_000;

/// The link that verifies `to` as `username`'s address.
pub fn verification(base: &str, to: &str, username: &str, token: &str) -> Letter {
    Letter {
        to: to.to_owned(),
        subject: "Confirm your email address for Banter".to_owned(),
        text: format!(
            "Hello @{username},\n\n\
             Open this link to use {to} for your Banter account (password resets and what you \
             missed):\n\n{base}{VERIFY_PATH}?token={token}\n\n\
             The link works for {} hours, once. If you did not ask for this, ignore this email: \
             nothing changes.\n",
            VERIFY_VALID_MS / HOURS
        ),
        unsubscribe: None,
    }
}

/// Reset links for the accounts `(username, token)` whose address is `to`.
pub fn reset(base: &str, to: &str, accounts: &[(String, String)]) -> Letter {
    let links: String = accounts
        .iter()
        .map(|(username, token)| format!("@{username}: {}\n", reset_link(base, token)))
        .collect();
    Letter {
        to: to.to_owned(),
        subject: "Set a new Banter password".to_owned(),
        text: format!(
            "Someone (we hope you) asked to set a new password.\n\n{links}\n\
             Each link works for {} hours, once, and signs every device out of that account. If \
             you did not ask for this, ignore this email: your password stays as it is.\n",
            RESET_VALID_MS / HOURS
        ),
        unsubscribe: None,
    }
}

/// One message a digest tells of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missed {
    pub author: String,
    pub body: String,
    /// Its address in the chat (`crate::model::message_path`).
    pub path: String,
    pub mentioned: bool,
}

/// One room's part of a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissedRoom {
    /// `#room`, or "Conversation with <name>".
    pub heading: String,
    pub messages: Vec<Missed>,
}

/// The digest for `username` at `to`: each room's unread messages, with links, and how to stop
/// these emails.
pub fn digest(base: &str, to: &str, username: &str, rooms: &[MissedRoom], unsubscribe_token: &str) -> Letter {
    let count: usize = rooms.iter().map(|room| room.messages.len()).sum();
    let mut text = format!("Hello @{username}, here is what you have not read yet on Banter.\n");
    for room in rooms {
        text.push_str(&format!("\n{}\n", room.heading));
        for message in room.messages.iter().take(DIGEST_MESSAGES_PER_ROOM) {
            let mark = if message.mentioned { " (mentions you)" } else { "" };
            text.push_str(&format!(
                "  {}{mark}: {}\n  {base}{}\n",
                message.author,
                excerpt(&message.body),
                message.path
            ));
        }
        let more = room.messages.len().saturating_sub(DIGEST_MESSAGES_PER_ROOM);
        if more > 0 {
            text.push_str(&format!("  and {more} more\n"));
        }
    }
    let unsubscribe = format!("{base}{UNSUBSCRIBE_PATH}?token={unsubscribe_token}");
    text.push_str(&format!(
        "\nNo more of these emails: {unsubscribe}\n(or turn them off in your settings: {base}{EMAIL_SETTINGS_PATH})\n"
    ));
    Letter {
        to: to.to_owned(),
        subject: if count == 1 {
            "1 unread message on Banter".to_owned()
        } else {
            format!("{count} unread messages on Banter")
        },
        text,
        unsubscribe: Some(unsubscribe),
    }
}

/// A message's words on one line, at most [`DIGEST_EXCERPT_CHARS`].
fn excerpt(body: &str) -> String {
    let line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= DIGEST_EXCERPT_CHARS {
        return line;
    }
    let cut: String = line.chars().take(DIGEST_EXCERPT_CHARS - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn missed(author: &str, body: &str, seq: i64) -> Missed {
        Missed {
            author: author.into(),
            body: body.into(),
            path: format!("/r/general?at={seq}#m-{seq}"),
            mentioned: false,
        }
    }

    #[test]
    fn a_digest_quotes_each_rooms_messages_with_links_and_counts_the_rest() {
        let mut many: Vec<Missed> = (1..=12).map(|seq| missed("Bob", "hello\n  there", seq)).collect();
        many[0].mentioned = true;
        let rooms = [
            MissedRoom { heading: "#general".into(), messages: many },
            MissedRoom {
                heading: "Conversation with Carol".into(),
                messages: vec![missed("Carol", &"x".repeat(400), 20)],
            },
        ];
        let letter = digest("https://chat.example", "ann@example.com", "ann", &rooms, "7.abc");
        assert_eq!(letter.subject, "13 unread messages on Banter");
        assert!(
            letter.text.contains(
                "#general\n  Bob (mentions you): hello there\n  https://chat.example/r/general?at=1#m-1\n"
            ),
            "{}",
            letter.text
        );
        assert!(!letter.text.contains("at=11#"), "ten quoted per room: {}", letter.text);
        assert!(letter.text.contains("  and 2 more\n"), "{}", letter.text);
        assert!(
            letter.text.contains(&format!("Carol: {}…\n", "x".repeat(DIGEST_EXCERPT_CHARS - 1))),
            "{}",
            letter.text
        );
        assert_eq!(letter.unsubscribe.as_deref(), Some("https://chat.example/unsubscribe?token=7.abc"));
        assert!(
            letter.text.contains("No more of these emails: https://chat.example/unsubscribe?token=7.abc")
        );
    }

    #[test]
    fn reset_and_verification_links_lead_to_their_pages() {
        let letter = reset(
            "https://c.example",
            "ann@example.com",
            &[("ann".into(), "t1".into()), ("ann2".into(), "t2".into())],
        );
        assert!(
            letter.text.contains(
                "@ann: https://c.example/reset?token=t1\n@ann2: https://c.example/reset?token=t2\n"
            )
        );
        let letter = verification("https://c.example", "ann@example.com", "ann", "v1");
        assert!(letter.text.contains("https://c.example/verify-email?token=v1"));
        assert!(letter.unsubscribe.is_none());
    }
}
