//! Reporting a message to the room's moderators, and their queue of open reports. The pages
//! (`/r/<room>/report/<seq>`, `/reports`) are the server's alone; every call is a plain form's
//! too. Who may act on a report is asked afresh at every call: a room's moderators, or an
//! administrator (the only ones for a conversation).

use crate::ids::{RoomName, Seq};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::FormError;
use crate::api_error::ApiError;

/// The queue of open reports.
pub const REPORTS_PATH: &str = "/reports";

/// The message a report form is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedMessage {
    pub room: RoomName,
    pub seq: Seq,
    pub author: String,
    pub excerpt: String,
}

/// One open report, as the queue shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLine {
    pub id: i64,
    pub room: RoomName,
    /// What people call the room.
    pub title: String,
    /// A conversation (only administrators see its reports; nobody can be removed from it).
    pub conversation: bool,
    pub seq: Seq,
    /// The reason as a person reads it.
    pub reason: String,
    pub note: String,
    pub reporter: String,
    pub author: Option<String>,
    pub excerpt: String,
    pub deleted: bool,
    pub at: i64,
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::api_error::ApiError;
    use crate::rooms::RoomKind;
    use crate::server::AppState;
    use crate::server::accounts::users::User;
    use crate::server::rooms::membership::RoomAccess;
    use crate::server::rooms::moderation::Power;
    use crate::server::rooms::reports::OpenReport;

    /// The open report `id` with its room and the asker's power there, if the asker may act on
    /// it; otherwise `None` (the same answer as no such report).
    pub async fn actionable(
        state: &AppState,
        user: &User,
        id: i64,
    ) -> Result<Option<(OpenReport, RoomAccess, Power)>, ApiError> {
        let unavailable = super::super::ssr::unavailable;
        let Some(report) = state.store.open_report(id).await.map_err(unavailable)? else { return Ok(None) };
        let Some(room) = state.store.room_by_id(report.room_id).await.map_err(super::super::ssr::internal)?
        else {
            return Ok(None);
        };
        let admin = state.is_admin(user.id, &user.username).await;
        let power = state.store.power(&room, user.id, admin).await.map_err(super::super::ssr::internal)?;
        // A moderator who has left the room (its creator may) acts on nothing of it.
        let member = state.store.room_for(user.id, &room.name).await.map_err(super::super::ssr::internal)?;
        let member = member.is_some_and(|access| access.member);
        let may =
            power == Power::Admin || (room.kind != RoomKind::Direct && member && power >= Power::Moderator);
        Ok(may.then_some((report, room, power)))
    }
}

/// The message `seq` of `room` as the report form quotes it; `None` if the asker cannot read
/// it, it is gone, or it is theirs.
#[server(endpoint = "report_target")]
pub async fn report_target(room: RoomName, seq: Seq) -> Result<Option<ReportedMessage>, ApiError> {
    use crate::api_error::ApiCode;

    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let not_found = || {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(axum::http::StatusCode::NOT_FOUND);
        }
        Ok(None)
    };
    let access = match super::chat::ssr::room(&state, &user, &room).await {
        Ok(access) => access,
        Err(error) if error.code == ApiCode::NotFound => return not_found(),
        Err(error) => return Err(error),
    };
    let found = state.store.reportable_message(access.id, seq).await.map_err(super::ssr::unavailable)?;
    match found.filter(|(author, _)| *author != user.username) {
        Some((author, body)) => Ok(Some(ReportedMessage {
            room: access.name,
            seq,
            author,
            excerpt: crate::model::Quote::excerpt_of(&body),
        })),
        None => not_found(),
    }
}

/// Report message `seq` of `room` to its moderators: `reason` one of
/// [`REPORT_REASONS`](crate::model::REPORT_REASONS), `note` optional. Redirects to the form,
/// which then thanks the reporter.
#[server(endpoint = "report_message")]
pub async fn report_message(
    room: RoomName,
    seq: Seq,
    reason: String,
    note: Option<String>,
) -> Result<(), ApiError> {
    use crate::model::{MAX_REPORT_NOTE_CHARS, REPORT_REASONS, report_path};
    use crate::server::rooms::reports::Filed;

    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = super::chat::ssr::room(&state, &user, &room).await?;
    let form = report_path(&access.name, seq);
    let note = note.unwrap_or_default();
    let note = note.trim();
    if !REPORT_REASONS.iter().any(|(code, _)| *code == reason) || note.chars().count() > MAX_REPORT_NOTE_CHARS
    {
        return super::ssr::refuse(&form, FormError::InvalidReport, "");
    }
    if !state.take(&state.limits.reports, &user.id).await {
        return super::ssr::refuse(&form, FormError::TooManyReports, "");
    }
    match state
        .store
        .file_report(access.id, seq, user.id, &reason, note)
        .await
        .map_err(super::ssr::unavailable)?
    {
        Filed::Filed => {
            tracing::info!(user = %user.id, room = %access.name, %seq, %reason, "message reported");
            leptos_axum::redirect(&format!("{form}?sent"));
            Ok(())
        }
        Filed::NoSuchMessage => Err(ApiError::not_found()),
        Filed::OwnMessage => super::ssr::refuse(&form, FormError::NotAllowed, ""),
    }
}

/// The open reports the asker may act on, oldest first.
#[server(endpoint = "load_reports")]
pub async fn load_reports() -> Result<Vec<ReportLine>, ApiError> {
    use crate::model::REPORT_REASONS;
    use crate::rooms::RoomKind;

    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let admin = state.is_admin(user.id, &user.username).await;
    let open = state.store.open_reports_for(user.id, admin).await.map_err(super::ssr::unavailable)?;
    Ok(open
        .into_iter()
        .map(|report| ReportLine {
            id: report.id,
            room: report.room,
            title: report.title,
            conversation: report.kind == RoomKind::Direct,
            seq: report.seq,
            reason: REPORT_REASONS
                .iter()
                .find(|(code, _)| *code == report.reason)
                .map_or_else(|| report.reason.clone(), |(_, label)| (*label).to_owned()),
            note: report.note,
            reporter: report.reporter,
            author: report.author,
            excerpt: crate::model::Quote::excerpt_of(&report.body),
            deleted: report.deleted,
            at: report.created_at,
        })
        .collect())
}

/// Act on report `id`: `delete` the message, `remove` its author from the room, or `dismiss`
/// the reports. Every open report on the message closes with it. Redirects to the queue.
#[server(endpoint = "resolve_report")]
pub async fn resolve_report(id: i64, action: String) -> Result<(), ApiError> {
    use crate::server::messages::message_changes::DeleteMessage;
    use crate::server::realtime::sequencer::{Change, PostReply};

    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let Some((report, room, power)) = ssr::actionable(&state, &user, id).await? else {
        return Err(ApiError::not_found());
    };
    let outcome = match action.as_str() {
        "delete" => {
            if !report.deleted {
                let delete = DeleteMessage {
                    room_id: room.id,
                    room: room.name.clone(),
                    client_id: format!("report-{id}"),
                    actor_id: user.id,
                    target: report.seq,
                    admin: power == crate::server::rooms::moderation::Power::Admin,
                };
                let (reply, done) = tokio::sync::oneshot::channel();
                state
                    .sequencer
                    .write(Change::Delete(delete), PostReply::Call(reply))
                    .await
                    .map_err(super::ssr::internal)?;
                if let Ok(Err(error)) = done.await {
                    tracing::warn!(%error, "a reported message could not be deleted");
                    return super::ssr::refuse(REPORTS_PATH, FormError::NotAllowed, "");
                }
            }
            "deleted"
        }
        "remove" => {
            let Some(author_id) = report.author_id else {
                return super::ssr::refuse(REPORTS_PATH, FormError::NotAllowed, "");
            };
            let Ok(version) = state.store.remove_member(user.id, power, &room, author_id).await else {
                return super::ssr::refuse(REPORTS_PATH, FormError::NotAllowed, "");
            };
            state.sequencer.revoke(room.id, author_id, version).await.map_err(super::ssr::internal)?;
            crate::server::rooms::room_members::changed(&state, &room).await;
            "removed"
        }
        "dismiss" => "dismissed",
        _ => return super::ssr::refuse(REPORTS_PATH, FormError::InvalidReport, ""),
    };
    state
        .store
        .resolve_reports(room.id, report.seq, user.id, outcome, report.author_id)
        .await
        .map_err(super::ssr::unavailable)?;
    tracing::info!(user = %user.id, room = %room.name, seq = %report.seq, outcome, "report resolved");
    leptos_axum::redirect(REPORTS_PATH);
    Ok(())
}
