//! Searching the messages of one's rooms: the `/search` page's data.
//!
//! A plain GET (`/search?q=…&room=…&from=…`) renders the results on the server, so search
//! works without JavaScript; [`search_page`] is what the page calls for them, and
//! [`search_messages`] the same search for scripts, with refusals as HTTP errors.

use crate::ids::{RoomName, Seq, Username};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api_error::ApiError;
use crate::rooms::RoomSummary;

/// Results per page.
pub const SEARCH_PAGE: usize = 30;
/// Longest search text taken, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// What was asked for, as the form sends it (a field left out is empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchForm {
    /// The words.
    pub q: String,
    /// Only this room (its name); empty for all of one's rooms.
    pub room: RoomName,
    /// Only messages by this username; empty for anyone.
    pub from: String,
    /// Only results older than this one (the `older` of the previous page).
    pub before: Option<i64>,
}

/// One message that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub room: RoomName,
    /// `#name`, or the other person in a conversation.
    pub room_title: String,
    pub seq: Seq,
    /// The thread it is a reply in (its root), if it is: the result opens there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_root: Option<Seq>,
    pub author: String,
    pub username: Username,
    pub ts: i64,
    /// The text around the match, in pieces; `true` marks the matching words.
    pub parts: Vec<(String, bool)>,
}

/// The `/search` page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub signed_in: bool,
    /// The person's rooms (the room filter's choices, and the sidebar).
    pub rooms: Vec<RoomSummary>,
    pub hits: Vec<SearchHit>,
    /// Why there are no results, when it is not that nothing matched.
    pub error: Option<String>,
    /// Where the next page starts, if there are more results.
    pub older: Option<i64>,
}

/// The `/search` page's data: the results, or why there are none as a sentence in
/// [`SearchResults::error`] (no words to search for, searching too fast), so the page shows
/// its form and sidebar either way. Scripts and bots call [`search_messages`] instead.
#[server(endpoint = "search_page")]
pub async fn search_page(form: SearchForm) -> Result<SearchResults, ApiError> {
    let state = super::ssr::state()?;
    let Some(user) = super::ssr::user(&state).await? else { return Ok(SearchResults::default()) };
    let (mut results, outcome) = ssr::search(&state, &user, &form).await?;
    if let Err(refusal) = outcome {
        results.error = Some(refusal.message);
    }
    Ok(results)
}

/// Search the rooms the caller is a member of (the HTTP API): the results, or a refusal with
/// its status — `invalid_field` for a text with no words in it, `rate_limited` (429 with
/// `Retry-After`) past the search allowance.
#[server(endpoint = "search_messages")]
pub async fn search_messages(form: SearchForm) -> Result<SearchResults, ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let (results, outcome) = ssr::search(&state, &user, &form).await?;
    outcome.map(|()| results)
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::{SEARCH_PAGE, SearchForm, SearchHit, SearchResults, sentence};
    use crate::api_error::ApiError;
    use crate::server::AppState;
    use crate::server::accounts::users::User;

    /// Search for `user`: the results so far (the sidebar's rooms at least), and whether the
    /// search ran or was refused. `Err` only when the server failed.
    pub async fn search(
        state: &AppState,
        user: &User,
        form: &SearchForm,
    ) -> Result<(SearchResults, Result<(), ApiError>), ApiError> {
        use crate::server::search::index::SearchFilter;
        use crate::server::search::query::SearchQuery;
        let mut results = SearchResults { signed_in: true, ..SearchResults::default() };
        let hub = state.hub.clone();
        results.rooms = state
            .store
            .my_rooms(user.id, |id| hub.is_online(id))
            .await
            .map_err(super::super::ssr::internal)?;
        if form.q.trim().is_empty() {
            return Ok((results, Ok(())));
        }
        let query = match SearchQuery::parse(&form.q) {
            Ok(query) => query,
            Err(error) => return Ok((results, Err(ApiError::invalid(sentence(&error.to_string()))))),
        };
        let mut filter = SearchFilter {
            before: form.before,
            author: Some(form.from.trim().trim_start_matches('@').to_lowercase()).filter(|a| !a.is_empty()),
            room_id: None,
        };
        if !form.room.is_empty() {
            // Only a room of one's own narrows the search; any other name finds nothing.
            match state.store.room_for(user.id, &form.room).await.map_err(super::super::ssr::internal)? {
                Some(room) if room.member => filter.room_id = Some(room.id),
                _ => return Ok((results, Ok(()))),
            }
        }
        if !state.take(&state.limits.searches, &user.id).await {
            let slow_down = "You have searched a lot just now; wait a moment, then try again.";
            return Ok((results, Err(ApiError::rate_limited(slow_down, SEARCH_RETRY_AFTER_SECS))));
        }
        let found = state
            .store
            .search(user.id, &query, &filter, SEARCH_PAGE + 1)
            .await
            .map_err(super::super::ssr::internal)?;
        if found.len() > SEARCH_PAGE {
            results.older = found.get(SEARCH_PAGE - 1).map(|f| f.id);
        }
        results.hits = found
            .into_iter()
            .take(SEARCH_PAGE)
            .map(|found| SearchHit {
                room_title: results
                    .rooms
                    .iter()
                    .find(|r| r.name == found.room)
                    .map_or_else(|| format!("#{}", found.room), |r| r.title.clone()),
                parts: query.highlight(&found.body),
                room: found.room,
                seq: found.seq,
                thread_root: found.thread_root,
                author: found.author,
                username: found.username,
                ts: found.ts,
            })
            .collect();
        Ok((results, Ok(())))
    }

    /// Past the allowance, one more search is allowed about every second.
    const SEARCH_RETRY_AFTER_SECS: u64 = 1;
}

/// An error's text as a sentence: capital first, full stop last.
#[cfg(feature = "ssr")]
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| format!("{}{}.", first.to_uppercase(), chars.as_str()))
}
