//! Running the built-in slash commands (`crate::commands` reads them) for a person in a room,
//! whichever way the text came: a socket's `send` or the composer's form without JavaScript.
//!
//! A command that says something (`/me`, `/shrug`) becomes the message it means and takes the
//! one posting path; the others act and answer the person alone. Each act asks the same code
//! a button would (`invite` only by a private room's creator, leaving as the "Leave" form
//! does, the notification level as the room's settings do), so a command is never a way
//! around a rule. A name no built-in has may be the room's own command
//! (`server::integrations::room_commands`): its handler is called. Uses `accounts`,
//! `integrations`, `realtime` and `rooms`.

use crate::commands::{Command, help, message_of};
use crate::ids::UserId;
use crate::notifications::NotifyLevel;
use crate::rooms::RoomKind;
use crate::server::AppState;
use crate::server::integrations::room_commands::RoomCommand;
use crate::server::messages::posting::{PostError, spend_allowance};
use crate::server::realtime::hub::Person;
use crate::server::rooms::membership::{RoomAccess, RoomError};

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Post this text as the message, in its place.
    Post(String),
    /// Done: tell the person this (only them).
    Reply(String),
    /// They left the room: tell them this, and take them elsewhere.
    Left(String),
    /// The room's own command: its handler is to be called with this text
    /// (`server::integrations::room_commands::call`), by the caller, who decides whether to wait.
    Call(Box<RoomCommand>, String),
}

/// Why a command was not done: what the person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("Use it as /{0}.")]
    Usage(String),
    #[error("There is no command /{0}. /help lists them; start with // to send text that begins with /.")]
    Unknown(String),
    #[error("There is nobody with the username {0}.")]
    NoSuchPerson(String),
    #[error("Only the creator of a private room invites people into it.")]
    NotCreator,
    #[error("Anyone may join a public room: share its address instead.")]
    PublicRoom,
    #[error("A conversation cannot be left.")]
    Conversation,
    #[error("A topic is one line of at most {max} characters.", max = crate::protocol::MAX_TOPIC_CHARS)]
    BadTopic,
    #[error("Too many commands and messages just now; try again in a moment.")]
    RateLimited,
    #[error("/{0} did not answer in time.")]
    NoAnswer(String),
    #[error("/{name} did not work: {why}.")]
    HandlerFailed { name: String, why: String },
    #[error("The server could not do that just now; try again.")]
    Unavailable,
}

impl From<RoomError> for CommandError {
    fn from(error: RoomError) -> Self {
        tracing::error!(%error, "a command could not reach the store");
        CommandError::Unavailable
    }
}

fn unavailable(error: impl std::fmt::Display) -> CommandError {
    tracing::error!(%error, "a command could not reach the store");
    CommandError::Unavailable
}

/// Run `command` for `author` in `room`, which they are a member of. One that acts rather
/// than posts spends one of their message allowance (one that posts spends it as it posts),
/// so commands cannot flood a room or a handler where messages may not.
pub async fn run(
    state: &AppState,
    author: &Person,
    room: &RoomAccess,
    command: Command<'_>,
) -> Result<Outcome, CommandError> {
    let (user_id, username) = (author.user_id, author.username.as_str());
    let posts = matches!(command, Command::Me(_) | Command::Shrug(_));
    if !posts && let Err(PostError::RateLimited { .. }) = spend_allowance(state, author).await {
        return Err(CommandError::RateLimited);
    }
    match command {
        Command::Me(_) | Command::Shrug(_) => message_of(&command)
            .map(Outcome::Post)
            .ok_or_else(|| CommandError::Usage("me <action>".to_owned())),
        Command::Invite(name) => invite(state, user_id, room, name).await,
        Command::Leave => leave(state, user_id, username, room).await,
        Command::Mute => {
            state.store.set_notify_level(room.id, user_id, NotifyLevel::Nothing).await?;
            Ok(Outcome::Reply(
                "This room notifies you of nothing now; the room's info changes that.".to_owned(),
            ))
        }
        Command::Topic(text) => {
            let topic = crate::protocol::validate_topic(text).ok_or(CommandError::BadTopic)?;
            state.store.set_topic(room.id, topic).await.map_err(unavailable)?;
            crate::server::rooms::topic::announce(state, room.id, &room.name, topic);
            tracing::info!(room = %room.id, by = %user_id, "topic set");
            Ok(Outcome::Reply(if topic.is_empty() { "Topic cleared." } else { "Topic set." }.to_owned()))
        }
        Command::Help => Ok(Outcome::Reply(help())),
        Command::Other { name, text } => {
            let found =
                state.store.command_named(room.id, &name.to_ascii_lowercase()).await.map_err(unavailable)?;
            match found {
                Some(command) => Ok(Outcome::Call(Box::new(command), text.to_owned())),
                None => Err(CommandError::Unknown(name.to_owned())),
            }
        }
    }
}

async fn invite(
    state: &AppState,
    user_id: UserId,
    room: &RoomAccess,
    name: &str,
) -> Result<Outcome, CommandError> {
    if name.is_empty() {
        return Err(CommandError::Usage("invite @username".to_owned()));
    }
    match room.kind {
        RoomKind::Public => return Err(CommandError::PublicRoom),
        RoomKind::Direct => return Err(CommandError::NotCreator),
        RoomKind::Private => {}
    }
    let username =
        crate::accounts::normalize_username(name).map_err(|_| CommandError::NoSuchPerson(name.to_owned()))?;
    let person = state
        .store
        .user_by_username(&username)
        .await
        .map_err(unavailable)?
        .ok_or_else(|| CommandError::NoSuchPerson(username.clone()))?;
    match state.store.invite(user_id, room, person.id).await {
        Ok(()) => {}
        Err(RoomError::NotCreator) => return Err(CommandError::NotCreator),
        Err(error) => return Err(error.into()),
    }
    crate::server::rooms::room_members::changed(state, room).await;
    Ok(Outcome::Reply(format!("Invited @{username}.")))
}

async fn leave(
    state: &AppState,
    user_id: UserId,
    username: &str,
    room: &RoomAccess,
) -> Result<Outcome, CommandError> {
    if room.kind == RoomKind::Direct {
        return Err(CommandError::Conversation);
    }
    let admin = state.is_admin(user_id, username).await;
    let power = state.store.power(room, user_id, admin).await?;
    let version = state.store.remove_member(user_id, power, room, user_id).await?;
    // Their other open pages of the room end now, as the "Leave" form's do.
    state.sequencer.revoke(room.id, user_id, version).await.map_err(unavailable)?;
    crate::server::rooms::room_members::changed(state, room).await;
    Ok(Outcome::Left(format!("You left #{}.", room.name)))
}
