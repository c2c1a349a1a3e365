//! Posting a message without a WebSocket: the `post_message` server function and the
//! composer's form without JavaScript both come here, and go through the same checks and the
//! same sequencer as a socket's `send`, so open pages see the message live.

use tokio::sync::oneshot;

use crate::api_error::{ApiCode, ApiError};
use crate::attachments::AttachmentId;
use crate::protocol::{InputError, validate_client_id, validate_post};
use crate::server::AppState;
use crate::server::accounts::users::User;
use crate::server::messages::emoji_catalog::expand_shortcodes;
use crate::server::messages::history::NewMessage;
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
    #[error("too many messages; wait a moment and send again")]
    RateLimited,
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
            PostError::RateLimited => ApiError::rate_limited(self.to_string(), 1),
            PostError::Refused(refused) => match refused.code() {
                ErrorCode::UnknownRoom => ApiError::not_found(),
                ErrorCode::StoreUnavailable => ApiError::unavailable(),
                _ => ApiError::invalid(refused.to_string()),
            },
            PostError::Unavailable => ApiError::unavailable(),
        }
    }
}

/// Post `body` (and `attachments`) as `user` in `room`; the message's `seq` once stored.
pub async fn post(
    state: &AppState,
    user: &User,
    room: &str,
    body: &str,
    client_id: &str,
    attachments: Vec<AttachmentId>,
) -> Result<i64, PostError> {
    let body = expand_shortcodes(validate_post(body, &attachments)?).into_owned();
    let client_id = validate_client_id(client_id)?.to_owned();
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
    // The same allowance as the person's sockets: a form is not a way round it.
    if !state.take(&state.limits.messages, "messages", &user.id).await {
        return Err(PostError::RateLimited);
    }
    let (html, mentions) = crate::server::messages::mentions::prepare(&state.store, access.id, &body)
        .await
        .map_err(|error| {
        tracing::error!(%error, "cannot look up mentions");
        PostError::Unavailable
    })?;
    let (reply, done) = oneshot::channel();
    let message = NewMessage {
        room_id: access.id,
        room: access.name,
        client_id,
        author_id: Some(user.id),
        author: user.display_name.clone(),
        username: user.username.clone(),
        html,
        mentions,
        body,
        attachments,
        reply_to: None,
    };
    state.sequencer.post(message, PostReply::Call(reply)).await?;
    Ok(done.await.map_err(|_| PostError::Unavailable)??)
}
