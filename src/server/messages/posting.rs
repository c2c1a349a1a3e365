//! Posting a message, one path for every way in. A socket's `send`, the `post_message` server
//! function and the composer's form without JavaScript each make a [`Post`] (the checks on
//! what was sent) and hand it to [`prepare`] (the allowance, mentions, the message to store),
//! then to the same sequencer, so open pages see the message live whichever way it came.

use crate::ids::{RoomId, RoomName, Seq};
use tokio::sync::oneshot;

use crate::api_error::{ApiCode, ApiError};
use crate::attachments::AttachmentId;
use crate::protocol::{InputError, validate_client_id, validate_post};
use crate::server::AppState;
use crate::server::accounts::users::User;
use crate::server::messages::emoji_catalog::expand_shortcodes;
use crate::server::messages::history::{NewMessage, Placement};
use crate::server::messages::mentions;
use crate::server::realtime::hub::Person;
use crate::server::realtime::sequencer::{PostReply, SequencerError};

#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("{0}")]
    Input(#[from] InputError),
    /// No such room, or one this person may not know about: the same answer.
    #[error("not found")]
    NotFound,
    #[error("join the room to talk in it")]
    NotMember,
    #[error(
        "too many messages: at most {rate} per second (bursts of {burst}) from one account; resend later"
    )]
    RateLimited { rate: f64, burst: u32 },
    #[error("{0}")]
    Refused(#[from] SequencerError),
    #[error("the server could not do that just now; try again")]
    Unavailable,
}

impl PostError {
    /// The same refusal for a script calling `post_message`.
    pub fn api_error(self) -> ApiError {
        use crate::protocol::ErrorCode;
        match self {
            PostError::Input(input) => input.into(),
            PostError::NotFound => ApiError::not_found(),
            PostError::NotMember => ApiError::new(ApiCode::NotMember, self.to_string()),
            PostError::RateLimited { .. } => ApiError::rate_limited(self.to_string(), 1),
            PostError::Refused(refused) => match refused.code() {
                ErrorCode::UnknownRoom => ApiError::not_found(),
                ErrorCode::StoreUnavailable => ApiError::unavailable(),
                ErrorCode::ConversationClosed => ApiError::new(ApiCode::NotAllowed, refused.to_string()),
                _ => ApiError::invalid(refused.to_string()),
            },
            PostError::Unavailable => ApiError::unavailable(),
        }
    }
}

/// A message as its author sent it, checked: a valid client id, text within the limits with its
/// `:shortcodes:` expanded, no more attachments than allowed. Made the same way from a socket's
/// `send`, the `post_message` server function and the no-JavaScript form, so each check is
/// written once.
#[derive(Debug, Clone)]
pub struct Post {
    pub client_id: String,
    pub body: String,
    pub attachments: Vec<AttachmentId>,
    /// The message it answers and the thread it goes to, if any.
    pub placement: Placement,
}

impl Post {
    pub fn new(
        client_id: &str,
        body: &str,
        attachments: Vec<AttachmentId>,
        placement: Placement,
    ) -> Result<Self, InputError> {
        let client_id = validate_client_id(client_id)?.to_owned();
        let body = expand_shortcodes(validate_post(body, &attachments)?).into_owned();
        Ok(Self { client_id, body, attachments, placement })
    }
}

/// Spend one of `author`'s message allowance (a bot's own, or a person's): this node's, then,
/// with several nodes, the one they share. A slash command that acts rather than posts spends
/// it too, so commands cannot flood where messages may not.
pub async fn spend_allowance(state: &AppState, author: &Person) -> Result<(), PostError> {
    let (allowance, rate, burst) = if author.bot {
        (&state.limits.bot_messages, state.config.bot_rate, state.config.bot_burst)
    } else {
        (&state.limits.messages, state.config.rate, state.config.burst)
    };
    if state.take(allowance, &author.user_id).await {
        Ok(())
    } else {
        Err(PostError::RateLimited { rate, burst })
    }
}

/// The one way a post becomes a message to store, whatever it came through: spend one of the
/// author's message allowance (this node's, then, with several nodes, the one they share),
/// find whom it mentions, and fill in the message. The caller has checked that `author` is a
/// member of the room (a socket when it joined, a call by looking the room up).
pub async fn prepare(
    state: &AppState,
    author: &Person,
    room_id: RoomId,
    room: RoomName,
    post: Post,
) -> Result<NewMessage, PostError> {
    spend_allowance(state, author).await?;
    let (html, mentions) =
        mentions::prepare(&state.store, room_id, author.user_id, &post.body).await.map_err(|error| {
            tracing::error!(%error, "cannot look up mentions");
            PostError::Unavailable
        })?;
    Ok(NewMessage {
        room_id,
        room,
        client_id: post.client_id,
        author_id: Some(author.user_id),
        author: author.name.clone(),
        username: author.username.clone(),
        bot: author.bot,
        via: None,
        html,
        mentions,
        body: post.body,
        attachments: post.attachments,
        placement: post.placement,
    })
}

/// Post `body` (and `attachments`) as `user` in `room`, without a socket (in a thread, with
/// `placement`); the message's `seq` once stored.
pub async fn post(
    state: &AppState,
    user: &User,
    room: &str,
    body: &str,
    client_id: &str,
    attachments: Vec<AttachmentId>,
    placement: Placement,
) -> Result<Seq, PostError> {
    let post = Post::new(client_id, body, attachments, placement)?;
    post_as(state, user, room, post, None).await
}

/// Post `post` as `user` in `room`, without a socket; shown under `shown_as` (a validated
/// display name, a webhook's `username`) with the user's own name as "via …" when given. The
/// message's `seq` once stored.
pub async fn post_as(
    state: &AppState,
    user: &User,
    room: &str,
    post: Post,
    shown_as: Option<String>,
) -> Result<Seq, PostError> {
    let access = match state.store.room_for(user.id, room).await {
        Ok(Some(access)) => access,
        Ok(None) => return Err(PostError::NotFound),
        Err(error) => {
            tracing::error!(%error, "room lookup failed");
            return Err(PostError::Unavailable);
        }
    };
    if !access.member {
        return Err(PostError::NotMember);
    }
    let author = Person::from(user);
    let mut message = prepare(state, &author, access.id, access.name, post).await?;
    if let Some(name) = shown_as {
        message.via = Some(std::mem::replace(&mut message.author, name));
    }
    let (reply, done) = oneshot::channel();
    state.sequencer.post(message, PostReply::Call(reply)).await?;
    Ok(done.await.map_err(|_| PostError::Unavailable)??)
}
