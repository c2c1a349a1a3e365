//! Attachments over HTTP: receiving an upload, serving a file to those who may see it, and
//! sweeping uploads that were never sent.
//!
//! An upload is streamed to disk as it arrives (never held whole in memory) and counted as it
//! goes, so a file over `--max-upload-bytes` is cut off at the limit; a request that says its
//! length up front is refused before any of it is read. Its type comes from its bytes
//! (`server::media::inspect::sniff`); images are processed on the blocking pool, at most
//! [`MEDIA_WORKERS`](crate::server::state::MEDIA_WORKERS) at once. Only then is it kept and recorded.
//!
//! A file is served only to someone who may read its message's room (or, before it is sent,
//! to its uploader); anyone else gets exactly the 404 of a file that does not exist.

use crate::ids::UserId;
use std::time::Duration;

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::AsyncWriteExt;

use crate::attachments::{Attachment, AttachmentId, AttachmentKind, MAX_FILE_NAME_CHARS, human_size};
use crate::model::now_ms;
use crate::server::AppState;
use crate::server::accounts::auth::{NoSession, SignedIn};
use crate::server::limits::person_limits::MAX_UNSENT_UPLOADS;
use crate::server::media::attachments::NewUpload;
use crate::server::media::blobs::Blob;
use crate::server::media::inspect::{self, MediaError, SNIFF_BYTES};

/// Room for the multipart framing around the file (boundaries, part headers, the name).
const MULTIPART_OVERHEAD: u64 = 16 * 1024;
/// Expired uploads removed per sweep; the next sweep takes the rest.
const SWEEP_BATCH: i64 = 500;
/// The policy for user files opened directly: nothing runs, nothing loads from elsewhere.
const FILE_CSP: &str =
    "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'";

/// Why an upload was refused. The code is for programs; the message is shown to people.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("sign in first")]
    SignedOut,
    #[error("files can be at most {}", human_size(*.0))]
    TooLarge(u64),
    #[error("{0}")]
    TooManyPixels(MediaError),
    #[error("too many uploads; wait a moment and try again")]
    RateLimited,
    #[error("you have {MAX_UNSENT_UPLOADS} files waiting to be sent; send or remove some first")]
    TooManyUnsent,
    #[error("send the file as multipart/form-data with one part named \"file\"")]
    NotMultipart,
    #[error("the file is empty")]
    Empty,
    #[error("the upload was cut off: {0}")]
    Interrupted(String),
    /// A part's headers cannot be read (a control character in its file name, say).
    #[error("the upload's part headers cannot be read: {0}")]
    InvalidUpload(String),
    #[error("this image cannot be read: {0}")]
    BadImage(MediaError),
    #[error("the server could not store the file; try again")]
    Unavailable,
}

impl UploadError {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            UploadError::SignedOut => StatusCode::UNAUTHORIZED,
            UploadError::TooLarge(_) | UploadError::TooManyPixels(_) => StatusCode::PAYLOAD_TOO_LARGE,
            UploadError::RateLimited | UploadError::TooManyUnsent => StatusCode::TOO_MANY_REQUESTS,
            UploadError::NotMultipart
            | UploadError::Empty
            | UploadError::Interrupted(_)
            | UploadError::InvalidUpload(_) => StatusCode::BAD_REQUEST,
            UploadError::BadImage(_) => StatusCode::UNPROCESSABLE_ENTITY,
            UploadError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// A broken multipart body: malformed part headers are the sender's mistake
    /// (`invalid_upload`); anything else means the body ended early (`interrupted`).
    fn from_multipart(error: axum::extract::multipart::MultipartError) -> Self {
        use std::error::Error as _;
        let malformed =
            error.source().and_then(|source| source.downcast_ref::<multer::Error>()).is_some_and(|source| {
                matches!(
                    source,
                    multer::Error::ReadHeaderFailed(_)
                        | multer::Error::DecodeHeaderName { .. }
                        | multer::Error::DecodeHeaderValue { .. }
                        | multer::Error::DecodeContentType(_)
                )
            });
        if malformed {
            UploadError::InvalidUpload(error.body_text())
        } else {
            UploadError::Interrupted(error.body_text())
        }
    }

    fn code(&self) -> &'static str {
        match self {
            UploadError::SignedOut => "signed_out",
            UploadError::TooLarge(_) | UploadError::TooManyPixels(_) => "too_large",
            UploadError::RateLimited => "rate_limited",
            UploadError::TooManyUnsent => "too_many_unsent",
            UploadError::NotMultipart => "not_multipart",
            UploadError::Empty => "empty",
            UploadError::Interrupted(_) => "interrupted",
            UploadError::InvalidUpload(_) => "invalid_upload",
            UploadError::BadImage(_) => "bad_image",
            UploadError::Unavailable => "unavailable",
        }
    }
}

impl IntoResponse for UploadError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "code": self.code(), "message": self.to_string() });
        (self.status(), axum::Json(body)).into_response()
    }
}

/// `POST /api/uploads`: one file, as multipart/form-data in a part named `file`. Answers 201
/// with the attachment (JSON), to be named in a message within `--upload-ttl`.
#[utoipa::path(
    post,
    path = "/api/uploads",
    request_body(content = String, content_type = "multipart/form-data", description = "One part named `file`"),
    responses(
        (status = 201, description = "Stored: name its `id` in a message's `attachments`", body = crate::attachments::Attachment),
        (status = 400, description = "Not multipart, empty, or an image that does not decode", body = crate::api_error::ApiError),
        (status = 401, description = "No token or session", body = crate::api_error::ApiError),
        (status = 413, description = "Over `--max-upload-bytes` or the pixel limit", body = crate::api_error::ApiError),
        (status = 429, description = "Over the upload allowance, or too many files not sent yet", body = crate::api_error::ApiError),
    ),
    security(("token" = []))
)]
pub async fn upload(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, NoSession>,
    request: Request,
) -> Result<Response, UploadError> {
    let user = match signed_in {
        Ok(SignedIn(session)) => session.user,
        Err(NoSession::SignedOut) => return Err(UploadError::SignedOut),
        Err(NoSession::Unavailable) => return Err(UploadError::Unavailable),
    };
    admit(&state, user.id, request.headers()).await?;
    let limit = state.config.max_upload_bytes;
    let mut multipart =
        Multipart::from_request(request, &state).await.map_err(|_| UploadError::NotMultipart)?;
    let id = AttachmentId::random();
    let incoming = state.blobs.incoming(&id);
    let received = async {
        loop {
            let field = multipart.next_field().await.map_err(UploadError::from_multipart)?;
            let Some(field) = field else { return Err(UploadError::NotMultipart) };
            if field.name() != Some("file") {
                continue;
            }
            let name = clean_name(field.file_name().unwrap_or_default());
            let head = receive(field, &incoming, limit).await?;
            return Ok((name, head));
        }
    }
    .await;
    let result = match received {
        Ok((name, head)) => keep(&state, user.id, id, name, &head).await,
        Err(error) => Err(error),
    };
    if result.is_err() {
        let _ = tokio::fs::remove_file(&incoming).await;
    }
    let attachment = result?;
    tracing::info!(user = %user.id, id = %attachment.id, kind = attachment.kind.as_str(), size = attachment.size, "upload kept");
    Ok((StatusCode::CREATED, axum::Json(attachment)).into_response())
}

/// Whether `user_id` may upload now, a request of this length: refused before any byte of
/// the body is read.
async fn admit(state: &AppState, user_id: UserId, headers: &HeaderMap) -> Result<(), UploadError> {
    check_length(state, headers)?;
    allowance(state, user_id).await
}

/// A request that says it is longer than a file and a form's text can be is refused unread.
pub(crate) fn check_length(state: &AppState, headers: &HeaderMap) -> Result<(), UploadError> {
    let limit = state.config.max_upload_bytes;
    let allowed =
        limit.saturating_add(MULTIPART_OVERHEAD).saturating_add(crate::server::MAX_REQUEST_BODY_BYTES as u64);
    if declared_length(headers).is_some_and(|length| length > allowed) {
        return Err(UploadError::TooLarge(limit));
    }
    Ok(())
}

/// The person's upload rate and their count of files waiting to be sent.
pub(crate) async fn allowance(state: &AppState, user_id: UserId) -> Result<(), UploadError> {
    if !state.take(&state.limits.uploads, &user_id).await {
        return Err(UploadError::RateLimited);
    }
    match state.store.unsent_uploads(user_id).await {
        Ok(count) if count >= MAX_UNSENT_UPLOADS => Err(UploadError::TooManyUnsent),
        Ok(_) => Ok(()),
        Err(error) => {
            tracing::error!(%error, "cannot count uploads");
            Err(UploadError::Unavailable)
        }
    }
}

/// Stream one part to `path`, at most `limit` bytes, durably. Returns its first bytes.
pub(crate) async fn receive(
    mut field: axum::extract::multipart::Field<'_>,
    path: &std::path::Path,
    limit: u64,
) -> Result<Vec<u8>, UploadError> {
    let io = |error: std::io::Error| {
        tracing::error!(%error, "cannot write an upload");
        UploadError::Unavailable
    };
    let mut file = tokio::io::BufWriter::new(tokio::fs::File::create(path).await.map_err(io)?);
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(UploadError::from_multipart)? {
        size += chunk.len() as u64;
        if size > limit {
            return Err(UploadError::TooLarge(limit));
        }
        if head.len() < SNIFF_BYTES {
            let take = (SNIFF_BYTES - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
        }
        file.write_all(&chunk).await.map_err(io)?;
    }
    if size == 0 {
        return Err(UploadError::Empty);
    }
    file.flush().await.map_err(io)?;
    file.into_inner().sync_all().await.map_err(io)?;
    Ok(head)
}

/// Decide the type, process images, keep the bytes and record the upload.
pub(crate) async fn keep(
    state: &AppState,
    uploader_id: UserId,
    id: AttachmentId,
    name: String,
    head: &[u8],
) -> Result<Attachment, UploadError> {
    let incoming = state.blobs.incoming(&id);
    let sniffed = inspect::sniff(head);
    let mut upload = NewUpload {
        id: id.clone(),
        uploader_id,
        name,
        mime: sniffed.mime.to_owned(),
        kind: sniffed.kind,
        size: tokio::fs::metadata(&incoming).await.map_err(|_| UploadError::Unavailable)?.len(),
        width: None,
        height: None,
        thumb_mime: None,
    };
    let mut thumb = None;
    if sniffed.kind == AttachmentKind::Image {
        let _permit = state.media_permits.acquire().await.map_err(|_| UploadError::Unavailable)?;
        let path = incoming.clone();
        let mime = sniffed.mime;
        let processed = tokio::task::spawn_blocking(move || inspect::process_image(&path, mime))
            .await
            .map_err(|_| UploadError::Unavailable)?;
        match processed {
            Ok(image) => {
                upload.width = Some(image.width);
                upload.height = Some(image.height);
                upload.size = image.size;
                upload.thumb_mime = Some(image.thumb_mime.to_owned());
                thumb = Some(image.thumb);
            }
            Err(error @ MediaError::TooManyPixels { .. }) => return Err(UploadError::TooManyPixels(error)),
            Err(MediaError::Io(error)) => {
                tracing::error!(%error, "cannot process an image");
                return Err(UploadError::Unavailable);
            }
            Err(error) => return Err(UploadError::BadImage(error)),
        }
    }
    state.blobs.keep(&id, &incoming, thumb).await.map_err(|error| {
        tracing::error!(%error, "cannot keep an upload");
        UploadError::Unavailable
    })?;
    if let Err(error) = state.store.add_upload(&upload, now_ms()).await {
        tracing::error!(%error, "cannot record an upload");
        let _ = state.blobs.delete(&id).await;
        return Err(UploadError::Unavailable);
    }
    Ok(Attachment::new(
        id,
        upload.name,
        upload.mime,
        upload.kind,
        upload.size,
        upload.width,
        upload.height,
        upload.thumb_mime.is_some(),
    ))
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// A file name safe to store and show: no directories, no control or invisible characters,
/// at most [`MAX_FILE_NAME_CHARS`] (keeping the extension); `file` when nothing is left.
pub fn clean_name(raw: &str) -> String {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String =
        base.chars().filter(|c| !c.is_control() && c.general_category() != GeneralCategory::Format).collect();
    let cleaned = cleaned.trim().trim_start_matches('.');
    if cleaned.is_empty() {
        return "file".to_owned();
    }
    let count = cleaned.chars().count();
    if count <= MAX_FILE_NAME_CHARS {
        return cleaned.to_owned();
    }
    let extension =
        cleaned.rsplit_once('.').map(|(_, e)| e).filter(|e| e.chars().count() <= 10).unwrap_or("");
    let keep = MAX_FILE_NAME_CHARS - extension.chars().count() - usize::from(!extension.is_empty());
    let stem: String = cleaned.chars().take(keep).collect();
    if extension.is_empty() { stem } else { format!("{stem}.{extension}") }
}

/// `GET /files/{id}/{name}` (the file) and `GET /files/{id}/thumb` (its thumbnail).
pub async fn download(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    signed_in: Result<SignedIn, NoSession>,
    request: Request,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "not found").into_response();
    let Ok(id) = AttachmentId::try_from(id) else { return not_found() };
    let user = match signed_in {
        Ok(SignedIn(session)) => session.user,
        Err(no_session) => return no_session.file_answer(),
    };
    let file = match state.store.stored_file(&id).await {
        Ok(Some(file)) => file,
        Ok(None) => return not_found(),
        Err(error) => {
            tracing::error!(%error, "attachment lookup failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    // Checked on every request, not once: someone removed from a room loses its files too.
    let allowed = match file.room_id {
        None => file.uploader_id == user.id,
        Some(room_id) => state.store.can_read(room_id, user.id).await.unwrap_or(false),
    };
    if !allowed {
        return not_found();
    }
    let attachment = &file.attachment;
    let (blob, content_type, disposition) = if name == "thumb" {
        let Some(mime) = file.thumb_mime.clone() else { return not_found() };
        (Blob::Thumb(&id), mime, "inline")
    } else if attachment.kind.inline() {
        (Blob::File(&id), attachment.mime.clone(), "inline")
    } else {
        // Never rendered by the browser, whatever it is: SVG, HTML, PDF, anything.
        (Blob::File(&id), "application/octet-stream".to_owned(), "attachment")
    };
    let disposition = content_disposition(disposition, &attachment.name);
    serve_stored(&state, blob, request, &content_type, Some(&disposition)).await
}

/// Answer a `GET` for a stored object someone may see (checked by the caller): its bytes as
/// `content_type`, never run by the browser (`FILE_CSP`, `nosniff`), cached privately for good
/// (the bytes behind an id never change). 404 when the object is gone.
pub(crate) async fn serve_stored(
    state: &AppState,
    blob: Blob<'_>,
    request: Request,
    content_type: &str,
    disposition: Option<&str>,
) -> Response {
    let mut response = state.blobs.serve(blob, request).await;
    if !(response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED) {
        return if response.status() == StatusCode::NOT_FOUND {
            (StatusCode::NOT_FOUND, "not found").into_response()
        } else {
            response
        };
    }
    let headers = response.headers_mut();
    let value = |text: &str| HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static(""));
    headers.insert(header::CONTENT_TYPE, value(content_type));
    if let Some(disposition) = disposition {
        headers.insert(header::CONTENT_DISPOSITION, value(disposition));
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(FILE_CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000, immutable"));
    response
}

/// `inline` or `attachment`, with the name for saving (RFC 6266 / 8187: UTF-8, escaped).
pub(crate) fn content_disposition(kind: &str, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let escaped: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{escaped}")
}

/// Delete uploads never sent within `--upload-ttl`, checking a few times per TTL (at least
/// every second, at most every ten minutes), until shutdown.
pub fn spawn_sweeper(state: AppState) {
    let ttl = Duration::from_secs(state.config.upload_ttl);
    let every = (ttl / 4).clamp(Duration::from_secs(1), Duration::from_secs(600));
    let mut shutdown = state.shutdown.subscribe();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.wait_for(|stopping| *stopping) => return,
            }
            let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
            match sweep(&state, now_ms().saturating_sub(ttl_ms)).await {
                Ok(0) => {}
                Ok(swept) => tracing::info!(swept, "deleted uploads never sent"),
                Err(error) => tracing::warn!(%error, "cannot sweep unsent uploads"),
            }
        }
    });
}

/// Delete uploads never sent and made before `before` (ms); how many went.
pub async fn sweep(state: &AppState, before: i64) -> anyhow::Result<usize> {
    let mut swept = 0;
    for id in state.store.expired_uploads(before, SWEEP_BATCH).await? {
        // Only if still unsent: a message may have taken it since.
        if state.store.forget_upload(&id).await? {
            state.blobs.delete(&id).await?;
            swept += 1;
        }
    }
    Ok(swept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_invisible_characters() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\me\\photo.jpg"), "photo.jpg");
        assert_eq!(clean_name("evil\u{202E}gpj.exe"), "evilgpj.exe");
        assert_eq!(clean_name("  "), "file");
        assert_eq!(clean_name(".hidden"), "hidden");
        let long = format!("{}.pdf", "a".repeat(300));
        let cleaned = clean_name(&long);
        assert_eq!(cleaned.chars().count(), MAX_FILE_NAME_CHARS);
        assert!(cleaned.ends_with(".pdf"));
    }

    #[test]
    fn disposition_names_survive_quotes_and_unicode() {
        assert_eq!(
            content_disposition("attachment", "a \"b\" ü.txt"),
            "attachment; filename=\"a _b_ _.txt\"; filename*=UTF-8''a%20%22b%22%20%C3%BC.txt"
        );
    }

    #[test]
    fn bodies_are_never_needed_to_refuse_an_oversized_upload() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("26000000"));
        assert_eq!(declared_length(&headers), Some(26_000_000));
        assert_eq!(UploadError::TooLarge(25_000_000).to_string(), "files can be at most 25 MB");
        assert_eq!(UploadError::TooLarge(1).status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}
