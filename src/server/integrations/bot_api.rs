//! The bot API, `/api/v1/…`: JSON in and out, the caller's token or cookie, and every refusal
//! as `{"code","message"}` with the status its code says, as every other endpoint answers.

use crate::ids::Seq;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api_error::{ApiCode, ApiError};
use crate::attachments::AttachmentId;
use crate::model::ChatMessage;
use crate::rooms::RoomSummary;
use crate::server::accounts::auth::{NoSession, SignedIn};
use crate::server::accounts::users::User;
use crate::server::messages::history::Placement;
use crate::server::state::AppState;

/// Most messages one read of a room's history answers.
pub const MAX_MESSAGES_PER_READ: i64 = 200;

/// `GET /api/v1/rooms/{room}/messages`: where to start, and how many.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct After {
    /// Messages after this `seq` (0: from the first).
    #[serde(default)]
    pub after: Seq,
    /// At most this many (1–200; 100 when left out).
    pub limit: Option<i64>,
}

/// A room's messages after a `seq`, oldest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Messages {
    pub messages: Vec<ChatMessage>,
    /// The room's latest `seq` (a message's or a change's): read again after the last message
    /// here while it is below this.
    pub latest_seq: Seq,
}

/// A message to post, as JSON.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPost {
    /// Yours, unique per message (1–64 of `A–Z a–z 0–9 - _`): a retried post with the same one
    /// is stored once, and answers the same `seq`.
    pub client_id: String,
    /// The text, Markdown; may be empty when `attachments` has files.
    #[serde(default)]
    pub body: String,
    /// Ids of files uploaded with `POST /api/uploads`, not yet sent.
    #[serde(default)]
    pub attachments: Vec<String>,
    /// The message (`seq`) this one answers, quoted.
    pub reply_to: Option<Seq>,
    /// A message of the thread to reply in (its root, or any reply in it).
    pub thread: Option<Seq>,
    /// A thread reply that the room's timeline shows too.
    #[serde(default)]
    pub also_to_room: bool,
}

/// Where a posted message was stored.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Posted {
    pub seq: Seq,
}

/// The caller, or the refusal for having none.
fn caller(signed_in: Result<SignedIn, NoSession>) -> Result<User, ApiError> {
    match signed_in {
        Ok(SignedIn(session)) => Ok(session.user),
        Err(NoSession::SignedOut) => Err(ApiError::signed_out()),
        Err(NoSession::Unavailable) => Err(ApiError::unavailable()),
    }
}

fn unavailable(error: impl std::fmt::Display) -> ApiError {
    tracing::error!(%error, "the bot API could not reach the store");
    ApiError::unavailable()
}

/// The rooms and conversations the caller is in, with their unread counts.
#[utoipa::path(
    get,
    path = "/api/v1/rooms",
    responses(
        (status = 200, description = "The caller's rooms", body = [RoomSummary]),
        (status = 401, description = "No token or session", body = ApiError),
    ),
    security(("token" = []))
)]
pub async fn rooms(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, NoSession>,
) -> Result<Json<Vec<RoomSummary>>, ApiError> {
    let user = caller(signed_in)?;
    let hub = state.hub.clone();
    let rooms = state.store.my_rooms(user.id, |id| hub.is_online(id)).await.map_err(unavailable)?;
    Ok(Json(rooms))
}

/// A room's messages after `after`, oldest first (thread replies included, with their
/// `thread_root`); edits and deletions since show in the messages as they are now.
#[utoipa::path(
    get,
    path = "/api/v1/rooms/{room}/messages",
    params(("room" = String, Path, description = "The room's name, as in its URL"), After),
    responses(
        (status = 200, description = "The messages", body = Messages),
        (status = 400, description = "A parameter out of range", body = ApiError),
        (status = 401, description = "No token or session", body = ApiError),
        (status = 404, description = "No such room, or not one the caller may read", body = ApiError),
    ),
    security(("token" = []))
)]
pub async fn messages(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, NoSession>,
    Path(room): Path<String>,
    query: Result<Query<After>, QueryRejection>,
) -> Result<Json<Messages>, ApiError> {
    let user = caller(signed_in)?;
    let Query(after) = query.map_err(|rejection| ApiError::invalid(rejection.body_text()))?;
    let limit = after.limit.unwrap_or(100);
    if !(1..=MAX_MESSAGES_PER_READ).contains(&limit) || after.after < Seq::ZERO {
        return Err(ApiError::invalid(format!(
            "`after` is a seq (0 or more) and `limit` 1–{MAX_MESSAGES_PER_READ}"
        )));
    }
    let access =
        state.store.room_for(user.id, &room).await.map_err(unavailable)?.ok_or_else(ApiError::not_found)?;
    let latest_seq = state.store.latest_seq(access.id).await.map_err(unavailable)?;
    let limit = usize::try_from(limit).unwrap_or(100);
    let messages =
        state.store.after(access.id, &access.name, after.after, limit).await.map_err(unavailable)?;
    Ok(Json(Messages { messages, latest_seq }))
}

/// Post a message to a room the caller is a member of. Answers 201 with its `seq`, once it
/// is stored; a retry with the same `client_id` answers the same `seq`.
#[utoipa::path(
    post,
    path = "/api/v1/rooms/{room}/messages",
    params(("room" = String, Path, description = "The room's name, as in its URL")),
    request_body = NewPost,
    responses(
        (status = 201, description = "Stored", body = Posted),
        (status = 400, description = "Not JSON of this shape, an empty body, a bad client_id", body = ApiError),
        (status = 401, description = "No token or session", body = ApiError),
        (status = 403, description = "A public room the caller has not joined", body = ApiError),
        (status = 404, description = "No such room, or not one the caller may read", body = ApiError),
        (status = 413, description = "The body is over its length limit", body = ApiError),
        (status = 429, description = "Over the caller's allowance (see Retry-After)", body = ApiError),
    ),
    security(("token" = []))
)]
pub async fn post_message(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, NoSession>,
    Path(room): Path<String>,
    post: Result<Json<NewPost>, JsonRejection>,
) -> Result<(StatusCode, Json<Posted>), ApiError> {
    let user = caller(signed_in)?;
    let Json(post) = post.map_err(|rejection| ApiError::invalid(rejection.body_text()))?;
    let attachments = post
        .attachments
        .into_iter()
        .map(AttachmentId::try_from)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ApiError::new(ApiCode::InvalidField, "an attachment id is 32 hex digits"))?;
    let placement =
        Placement { reply_to: post.reply_to, thread: post.thread, also_to_room: post.also_to_room };
    let seq = crate::server::messages::posting::post(
        &state,
        &user,
        &room,
        &post.body,
        &post.client_id,
        attachments,
        placement,
    )
    .await
    .map_err(|error| error.api_error())?;
    Ok((StatusCode::CREATED, Json(Posted { seq })))
}
