//! Exports: a person asks for an archive of their data (`/profile/export`), an administrator
//! for one room's; the page lists them with their progress and a download link once made.
//! The making is `server::exports`'s.

use crate::ids::RoomName;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::FormError;
use crate::api_error::ApiError;

/// The page that asks for exports and lists them.
pub const EXPORT_PAGE_PATH: &str = "/profile/export";
/// Where a finished archive is downloaded: `/exports/<id>`.
pub const EXPORTS_PATH: &str = "/exports";

/// One export, as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportLine {
    pub id: String,
    /// The room exported (an administrator's); `None`: the asker's own data.
    pub room: Option<RoomName>,
    /// `pending`, `running`, `done` or `failed`.
    pub state: String,
    /// Messages and files written, of `total`.
    pub done: i64,
    pub total: i64,
    /// Bytes, once made.
    pub size: Option<i64>,
    pub created_at: i64,
}

impl ExportLine {
    /// Still being made: the page looks again soon.
    pub fn unfinished(&self) -> bool {
        self.state == "pending" || self.state == "running"
    }

    /// How far it is, in whole percent (a made one is whole, even with nothing in it).
    pub fn percent(&self) -> i64 {
        if self.state == "done" {
            100
        } else if self.total <= 0 {
            0
        } else {
            (self.done * 100 / self.total).clamp(0, 100)
        }
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::FormError;
    use crate::api_error::ApiError;
    use crate::ids::RoomId;
    use crate::server::AppState;
    use crate::server::accounts::users::User;
    use crate::server::exports::records::Asked;

    /// Ask for an export (of `room_id`, or of `user`'s data) and start making it.
    pub async fn ask(state: &AppState, user: &User, room_id: Option<RoomId>) -> Result<(), ApiError> {
        let asked = state
            .store
            .ask_export(user.id, room_id, crate::model::now_ms())
            .await
            .map_err(super::super::ssr::unavailable)?;
        match asked {
            Asked::Started(id) => {
                tracing::info!(user = %user.id, room = ?room_id, %id, "export asked for");
                crate::server::exports::builder::spawn(state.clone(), id);
                leptos_axum::redirect(super::EXPORT_PAGE_PATH);
                Ok(())
            }
            Asked::Busy => super::super::ssr::refuse(super::EXPORT_PAGE_PATH, FormError::ExportBusy, ""),
            Asked::TooMany => {
                super::super::ssr::refuse(super::EXPORT_PAGE_PATH, FormError::TooManyExports, "")
            }
        }
    }
}

/// The asker's exports, newest first.
#[server(endpoint = "load_exports")]
pub async fn load_exports() -> Result<Vec<ExportLine>, ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let rows = state.store.exports_of(user.id).await.map_err(super::ssr::unavailable)?;
    Ok(rows
        .into_iter()
        .map(|row| ExportLine {
            id: row.id.to_string(),
            room: row.room,
            state: row.state.as_str().to_owned(),
            done: row.done_items,
            total: row.total_items,
            size: row.size,
            created_at: row.created_at,
        })
        .collect())
}

/// Make an archive of the asker's data. Redirects to the page of exports.
#[server(endpoint = "start_export")]
pub async fn start_export() -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    ssr::ask(&state, &user, None).await
}

/// Make an archive of `room` (administrators only; not a conversation). Redirects to the
/// page of exports.
#[server(endpoint = "export_room")]
pub async fn export_room(room: RoomName) -> Result<(), ApiError> {
    use crate::rooms::RoomKind;

    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    if !state.is_admin(user.id, &user.username).await {
        return Err(ApiError::not_found());
    }
    let found = state.store.room_by_name(&room).await.map_err(super::ssr::unavailable)?;
    let Some(access) = found else { return Err(ApiError::not_found()) };
    if access.kind == RoomKind::Direct {
        return super::ssr::refuse(EXPORT_PAGE_PATH, FormError::NotAllowed, "");
    }
    ssr::ask(&state, &user, Some(access.id)).await
}
