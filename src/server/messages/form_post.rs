//! The composer's form without JavaScript: `POST /api/post_form`, multipart, with the fields
//! `room`, `client_id`, `body`, at most one `file`, and in a thread `thread` (its root) and
//! `also_to_room` (a checkbox). The file is taken exactly as an upload
//! is (same limits, same processing), then the message is posted as any other; the answer is a
//! redirect back to the room. A refusal is a small page saying why, with the text that was
//! not sent, so nothing typed is lost. A slash command (`server::commands`) is run as from a
//! socket; one that answers rather than posts gets a small page saying what it did.

use crate::ids::{RoomName, Seq, UserId};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::attachments::AttachmentId;
use crate::commands::Typed;
use crate::protocol::{DEFAULT_ROOM, MAX_BODY_CHARS};
use crate::server::AppState;
use crate::server::accounts::auth::{NoSession, SignedIn};
use crate::server::accounts::users::User;
use crate::server::commands::{self, CommandError, Outcome};
use crate::server::integrations::room_commands::{self, Called};
use crate::server::media::uploads::{UploadError, allowance, check_length, keep, receive};
use crate::server::messages::history::Placement;
use crate::server::messages::posting::{PostError, post};
use crate::server::realtime::hub::Person;

/// Bytes a text field may have: a body of [`MAX_BODY_CHARS`] four-byte characters.
const MAX_TEXT_FIELD_BYTES: usize = MAX_BODY_CHARS * 4;

#[derive(Debug, Default)]
struct Form {
    room: RoomName,
    client_id: String,
    body: String,
    file: Option<AttachmentId>,
    /// The thread's root, when posting in a thread (its page's form).
    thread: Option<Seq>,
    also_to_room: bool,
}

pub async fn post_form(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, NoSession>,
    request: Request,
) -> Response {
    let user = match signed_in {
        Ok(SignedIn(session)) => session.user,
        Err(NoSession::SignedOut) => return Redirect::to("/signin").into_response(),
        Err(NoSession::Unavailable) => {
            return refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is busy; try again",
                DEFAULT_ROOM,
                "",
            );
        }
    };
    let mut form = Form::default();
    if let Err(error) = read(&state, user.id, request, &mut form).await {
        return refused(error.status(), &error.to_string(), &form.room, &form.body);
    }
    let body = match crate::commands::parse(&form.body) {
        Typed::Text(text) => text.into_owned(),
        Typed::Command(command) => match run_command(&state, &user, &form, command).await {
            Ok(message) => message,
            Err(answer) => return answer,
        },
    };
    let attachments = form.file.take().into_iter().collect();
    let placement = Placement { reply_to: None, thread: form.thread, also_to_room: form.also_to_room };
    match post(&state, &user, &form.room, &body, &form.client_id, attachments, placement).await {
        Ok(_) => Redirect::to(&form_url(&form)).into_response(),
        Err(error) => {
            let status = match error {
                PostError::NotFound => StatusCode::NOT_FOUND,
                PostError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                PostError::Unavailable | PostError::Refused(_) => StatusCode::SERVICE_UNAVAILABLE,
                PostError::Input(_) | PostError::NotMember => StatusCode::BAD_REQUEST,
            };
            refused(status, &error.to_string(), &form.room, &form.body)
        }
    }
}

/// Run a slash command from the form: the message it means, to post; or the page to answer
/// with (back to the room once done, the rooms once left, why it was not done).
async fn run_command(
    state: &AppState,
    user: &User,
    form: &Form,
    command: crate::commands::Command<'_>,
) -> Result<String, Response> {
    let access = match state.store.room_for(user.id, &form.room).await {
        Ok(Some(access)) if access.member => access,
        Ok(_) => return Err(refused(StatusCode::NOT_FOUND, "not found", &form.room, &form.body)),
        Err(_) => {
            return Err(refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is busy; try again",
                &form.room,
                &form.body,
            ));
        }
    };
    let author = Person::from(user);
    match commands::run(state, &author, &access, command).await {
        Ok(Outcome::Post(message)) => Ok(message),
        Ok(Outcome::Reply(text)) => Err(done(&text, &form_url(form))),
        Ok(Outcome::Left(text)) => Err(done(&text, "/rooms")),
        Ok(Outcome::Call(command, text)) => {
            match room_commands::call(state, &author, &access, &command, &text, &form.client_id).await {
                Ok(Called::Posted) => Err(Redirect::to(&form_url(form)).into_response()),
                Ok(Called::Reply(text)) => Err(done(&text, &form_url(form))),
                Err(error) => {
                    Err(refused(StatusCode::BAD_REQUEST, &error.to_string(), &form.room, &form.body))
                }
            }
        }
        Err(error @ CommandError::RateLimited) => {
            Err(refused(StatusCode::TOO_MANY_REQUESTS, &error.to_string(), &form.room, &form.body))
        }
        Err(error) => Err(refused(StatusCode::BAD_REQUEST, &error.to_string(), &form.room, &form.body)),
    }
}

/// Read the fields into `form`, keeping the file (if one was chosen) as an upload.
async fn read(
    state: &AppState,
    user_id: UserId,
    request: Request,
    form: &mut Form,
) -> Result<(), UploadError> {
    check_length(state, request.headers())?;
    let mut multipart =
        Multipart::from_request(request, state).await.map_err(|_| UploadError::NotMultipart)?;
    let cut = |e: axum::extract::multipart::MultipartError| UploadError::Interrupted(e.body_text());
    while let Some(mut field) = multipart.next_field().await.map_err(cut)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            // A form with no file chosen still sends the part, with no name and no bytes.
            let file_name = field.file_name().unwrap_or_default().to_owned();
            if file_name.is_empty() || form.file.is_some() {
                while field.chunk().await.map_err(cut)?.is_some() {}
                continue;
            }
            allowance(state, user_id).await?;
            let id = AttachmentId::random();
            let incoming = state.blobs.incoming(&id);
            let kept = match receive(field, &incoming, state.config.max_upload_bytes).await {
                Ok(head) => {
                    keep(state, user_id, id, crate::server::media::uploads::clean_name(&file_name), &head)
                        .await
                }
                Err(error) => Err(error),
            };
            if kept.is_err() {
                let _ = tokio::fs::remove_file(&incoming).await;
            }
            form.file = Some(kept?.id);
            continue;
        }
        let mut text = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(cut)? {
            if text.len() + chunk.len() > MAX_TEXT_FIELD_BYTES {
                return Err(UploadError::Interrupted(format!("the {name} field is too long")));
            }
            text.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&text).into_owned();
        match name.as_str() {
            "room" => form.room = text.into(),
            "client_id" => form.client_id = text,
            "body" => form.body = text,
            // A root that is no number posts to the room; one that is no thread is refused.
            "thread" => form.thread = text.trim().parse().ok(),
            "also_to_room" => form.also_to_room = !text.is_empty(),
            _ => {}
        }
    }
    Ok(())
}

/// Where the form came from: the room, or the thread's page.
fn form_url(form: &Form) -> String {
    match form.thread {
        Some(root) => format!("/r/{}/t/{root}", form.room),
        None => room_url(&form.room),
    }
}

fn room_url(room: &str) -> String {
    if room == DEFAULT_ROOM || room.is_empty() { "/".to_owned() } else { format!("/r/{room}") }
}

/// The page for a post that was not stored: why, and the text, to copy and send again.
fn refused(status: StatusCode, reason: &str, room: &str, body: &str) -> Response {
    let wrote = if body.is_empty() {
        String::new()
    } else {
        format!("<p>What you wrote:</p><pre>{}</pre>", escape(body))
    };
    let said = format!("<p role=\"alert\">{}</p>{wrote}", escape(reason));
    small_page(status, "Not sent", "Your message was not sent", &said, &room_url(room))
}

/// The page for a command that was done: what it did, and the way on.
fn done(text: &str, next: &str) -> Response {
    let said = format!("<p role=\"status\">{}</p>", escape(text));
    small_page(StatusCode::OK, "Done", "Done", &said, next)
}

/// A page of its own, without the app: a heading, what `said` (HTML), a link on.
fn small_page(status: StatusCode, title: &str, heading: &str, said: &str, next: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Banter</title></head><body><main>\
         <h1>{heading}</h1>{said}<p><a href=\"{}\">Back</a></p></main></body></html>",
        escape(next),
    );
    (status, Html(page)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
