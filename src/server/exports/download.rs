//! `GET /exports/{id}`: a finished archive, to the person who asked for it and nobody else
//! (an administrator's room export: while they still are one). Anyone else, signed in or not,
//! gets the 404 of an export that does not exist.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::model::date_time;
use crate::server::AppState;
use crate::server::accounts::auth::{NoSession, SignedIn};
use crate::server::exports::records::{ExportId, ExportState};
use crate::server::media::blobs::Blob;
use crate::server::media::uploads::{content_disposition, serve_stored};

pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    signed_in: Result<SignedIn, NoSession>,
    request: Request,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "not found").into_response();
    let Ok(id) = ExportId::try_from(id) else { return not_found() };
    let user = match signed_in {
        Ok(SignedIn(session)) => session.user,
        Err(no_session) => return no_session.file_answer(),
    };
    let export = match state.store.export(&id).await {
        Ok(Some(export)) => export,
        Ok(None) => return not_found(),
        Err(error) => {
            tracing::error!(%error, "export lookup failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let theirs = export.user_id == user.id && export.state == ExportState::Done;
    // A room's export is an administrator's: asked afresh, as every permission is.
    let still_allowed = export.room_id.is_none() || state.is_admin(user.id, &user.username).await;
    if !(theirs && still_allowed) {
        return not_found();
    }
    let whose = export.room.as_deref().unwrap_or(&user.username);
    let day = date_time(export.created_at);
    let day = day.split(' ').next().unwrap_or_default();
    let name = format!("banter-{whose}-{day}.zip");
    let disposition = content_disposition("attachment", &name);
    serve_stored(&state, Blob::Export(&id), request, "application/zip", Some(&disposition)).await
}
