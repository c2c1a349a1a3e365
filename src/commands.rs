//! Slash commands: what a composer's text starting with `/` means, for the page (completions,
//! `/help`) and the server (which runs them) alike.
//!
//! Why the server runs them, not the page: the composer without JavaScript posts the same
//! text, and whatever a command does (inviting, leaving, a topic) needs the server's checks
//! anyway. Text that only looks like a command is still text: `/tmp/x is full` (not a
//! command's name) is sent as typed, and `//shrug` sends `/shrug`.

use std::borrow::Cow;

/// A built-in command, as completions and `/help` list it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub name: &'static str,
    /// What follows the name, as the list shows it.
    pub args: &'static str,
    pub about: &'static str,
}

/// The built-in commands, in the order they are offered.
pub const BUILT_IN: [Spec; 7] = [
    Spec { name: "me", args: "<action>", about: "Say what you are doing, in italics" },
    Spec { name: "shrug", args: "[text]", about: "Add ¯\\_(ツ)_/¯ to a message" },
    Spec { name: "invite", args: "@username", about: "Invite someone into this private room" },
    Spec { name: "leave", args: "", about: "Leave this room" },
    Spec { name: "mute", args: "", about: "Notify me of nothing from this room" },
    Spec { name: "topic", args: "[text]", about: "Set the room's topic (empty clears it)" },
    Spec { name: "help", args: "", about: "List the commands" },
];

/// Longest command name.
pub const MAX_COMMAND_CHARS: usize = 32;

/// The shrug, as Markdown that renders it literally.
const SHRUG_MARKDOWN: &str = "¯\\\\\\_(ツ)\\_/¯";

/// A command as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command<'a> {
    Me(&'a str),
    Shrug(&'a str),
    /// A username, with or without its `@`.
    Invite(&'a str),
    Leave,
    Mute,
    Topic(&'a str),
    Help,
    /// A name no built-in command has (a room's own command, or a typo), and its text.
    Other {
        name: &'a str,
        text: &'a str,
    },
}

/// What a composer's text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed<'a> {
    /// Text to send as a message (a leading `//` sends one `/`).
    Text(Cow<'a, str>),
    Command(Command<'a>),
}

/// Whether `name` could be a command's name: letters, digits, `-` and `_`.
fn is_name(name: &str) -> bool {
    (1..=MAX_COMMAND_CHARS).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// Read a composer's text.
pub fn parse(text: &str) -> Typed<'_> {
    let Some(rest) = text.strip_prefix('/') else { return Typed::Text(Cow::Borrowed(text)) };
    if rest.starts_with('/') {
        return Typed::Text(Cow::Borrowed(rest));
    }
    let (name, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if !is_name(name) {
        return Typed::Text(Cow::Borrowed(text));
    }
    let args = args.trim();
    let name_lower = name.to_ascii_lowercase();
    Typed::Command(match name_lower.as_str() {
        "me" => Command::Me(args),
        "shrug" => Command::Shrug(args),
        "invite" => Command::Invite(args.trim_start_matches('@')),
        "leave" => Command::Leave,
        "mute" => Command::Mute,
        "topic" => Command::Topic(args),
        "help" => Command::Help,
        _ => Command::Other { name, text: args },
    })
}

/// The message a text command sends: `/me waves` is "*waves*", `/shrug ok` is "ok ¯\_(ツ)_/¯".
/// `None` for a command that sends no message, or `/me` with nothing to say.
pub fn message_of(command: &Command<'_>) -> Option<String> {
    match command {
        Command::Me(action) if !action.is_empty() => Some(format!("*{action}*")),
        Command::Shrug("") => Some(SHRUG_MARKDOWN.to_owned()),
        Command::Shrug(text) => Some(format!("{text} {SHRUG_MARKDOWN}")),
        _ => None,
    }
}

/// The built-in commands whose names start with `prefix` (what is typed after `/`).
pub fn completing(prefix: &str) -> impl Iterator<Item = &'static Spec> + '_ {
    BUILT_IN.iter().filter(move |spec| spec.name.starts_with(&prefix.to_ascii_lowercase()))
}

/// What `/help` answers.
pub fn help() -> String {
    let lines: Vec<String> =
        BUILT_IN.iter().map(|spec| format!("/{} {} — {}", spec.name, spec.args, spec.about)).collect();
    format!("Commands: {}. Start with // to send text that begins with /.", lines.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_told_from_text_that_starts_with_a_slash() {
        assert_eq!(parse("/shrug fine"), Typed::Command(Command::Shrug("fine")));
        assert_eq!(parse("/ME waves\nhello"), Typed::Command(Command::Me("waves\nhello")));
        assert_eq!(parse("/invite @bob "), Typed::Command(Command::Invite("bob")));
        assert_eq!(parse("/leave"), Typed::Command(Command::Leave));
        assert_eq!(parse("/topic"), Typed::Command(Command::Topic("")));
        assert_eq!(parse("/deploy prod"), Typed::Command(Command::Other { name: "deploy", text: "prod" }));
        assert_eq!(parse("/tmp/x is full"), Typed::Text(Cow::Borrowed("/tmp/x is full")));
        assert_eq!(parse("//shrug"), Typed::Text(Cow::Borrowed("/shrug")));
        assert_eq!(parse("/ nothing"), Typed::Text(Cow::Borrowed("/ nothing")));
        assert_eq!(parse("hello /shrug"), Typed::Text(Cow::Borrowed("hello /shrug")));
    }

    #[test]
    fn text_commands_become_markdown_that_shows_what_was_meant() {
        assert_eq!(message_of(&Command::Me("waves")).as_deref(), Some("*waves*"));
        assert_eq!(message_of(&Command::Me("")), None);
        assert_eq!(message_of(&Command::Shrug("ok")).as_deref(), Some("ok ¯\\\\\\_(ツ)\\_/¯"));
        assert_eq!(message_of(&Command::Leave), None);
    }

    #[test]
    fn completions_and_help_name_every_command() {
        assert_eq!(completing("").count(), BUILT_IN.len());
        assert_eq!(completing("SH").map(|s| s.name).collect::<Vec<_>>(), ["shrug"]);
        assert_eq!(completing("x").count(), 0);
        let help = help();
        assert!(BUILT_IN.iter().all(|spec| help.contains(&format!("/{}", spec.name))));
    }
}
