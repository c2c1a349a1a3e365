//! `GET /previews/{id}`: a link preview's image, to those who may read its room, checked on
//! every request like an attachment (someone removed from a private room loses its previews
//! too). Anyone else, signed out or not, is told it does not exist.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::attachments::AttachmentId;
use crate::server::AppState;
use crate::server::accounts::auth::{NoSession, SignedIn};
use crate::server::media::blobs::Blob;
use crate::server::media::uploads::serve_stored;

pub async fn serve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    signed_in: Result<SignedIn, NoSession>,
    request: Request,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "not found").into_response();
    let Ok(id) = AttachmentId::try_from(id) else { return not_found() };
    let user = match signed_in {
        Ok(SignedIn(session)) => session.user,
        Err(no_session) => return no_session.file_answer(),
    };
    let (room_id, mime) = match state.store.preview_image(&id).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(),
        Err(error) => {
            tracing::error!(%error, "preview image lookup failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    if !state.store.can_read(room_id, user.id).await.unwrap_or(false) {
        return not_found();
    }
    serve_stored(&state, Blob::File(&id), request, &mime, None).await
}
