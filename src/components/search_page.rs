//! `SearchPage` (`/search`): find messages in one's rooms; a result opens its room there.
//!
//! The form is a plain GET form: the query lives in the address (shareable, back-button
//! friendly), and the results are rendered on the server, so it works without JavaScript.

use crate::ids::RoomName;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::api::{SearchForm, SearchHit, SearchResults, search_page};
use crate::components::sidebar::Sidebar;
use crate::model::date_time;

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let form = move || {
        let query = query.read();
        SearchForm {
            q: query.get("q").unwrap_or_default(),
            room: query.get("room").unwrap_or_default().into(),
            from: query.get("from").unwrap_or_default(),
            before: query.get("before").and_then(|b| b.parse().ok()),
        }
    };
    let results = Resource::new_blocking(form, search_page);
    view! {
        <leptos_meta::Title text="Search · Banter"/>
        <Suspense fallback=|| view! { <p class="loading">"Searching…"</p> }>
            {move || Suspend::new(async move {
                match results.await {
                    Ok(data) if !data.signed_in => view! { <Redirect path="/signin"/> }.into_any(),
                    Ok(data) => view! { <Search data form=form()/> }.into_any(),
                    Err(error) => view! { <p class="page-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Search(data: SearchResults, form: SearchForm) -> impl IntoView {
    let SearchResults { rooms, hits, error, older, .. } = data;
    let choices = rooms
        .iter()
        .map(|r| view! { <option value=r.name.clone() selected=r.name == form.room>{r.title.clone()}</option> })
        .collect_view();
    let asked = !form.q.trim().is_empty();
    let count = hits.len();
    let summary = match (asked, &error, count) {
        (false, _, _) => String::new(),
        (true, Some(_), _) => String::new(),
        (true, None, 0) => "No messages found.".to_owned(),
        (true, None, 1) => "1 message found.".to_owned(),
        (true, None, n) => {
            format!("{n}{} messages found, newest first.", if older.is_some() { "+" } else { "" })
        }
    };
    // The next page is the same search from an older point: a form again, so no address is
    // put together by hand.
    let next = older.map(|before| {
        view! {
            <form method="get" action="/search" class="more-results">
                <input type="hidden" name="q" value=form.q.clone()/>
                <input type="hidden" name="room" value=form.room.clone()/>
                <input type="hidden" name="from" value=form.from.clone()/>
                <input type="hidden" name="before" value=before/>
                <button type="submit" id="more-results" class="secondary">"Older results"</button>
            </form>
        }
    });
    view! {
        <div class="layout">
            <Sidebar rooms=RwSignal::new(rooms) current=RoomName::default()/>
            <main class="search-page" id="search-page">
                <h1>"Search messages"</h1>
                <form class="search-form" id="search-form" method="get" action="/search" role="search">
                    <label for="search-q">"Words"</label>
                    <input id="search-q" name="q" type="search" value=form.q.clone() required
                        maxlength=crate::api::MAX_SEARCH_CHARS autocomplete="off"/>
                    <label for="search-room">"In"</label>
                    <select id="search-room" name="room">
                        <option value="" selected=form.room.is_empty()>"All my rooms"</option>
                        {choices}
                    </select>
                    <label for="search-from">"From (username)"</label>
                    <input id="search-from" name="from" type="text" value=form.from.clone() autocapitalize="none"/>
                    <button type="submit">"Search"</button>
                </form>
                {error.map(|error| view! { <p class="form-error" role="alert">{error}</p> })}
                <p class="muted" id="search-summary" role="status">{summary}</p>
                <ol class="search-results" id="search-results">
                    {hits.into_iter().map(|hit| view! { <Hit hit/> }).collect_view()}
                </ol>
                {next}
            </main>
        </div>
    }
}

/// One result: where and by whom, the text with its matches marked, a link into the room.
#[component]
fn Hit(hit: SearchHit) -> impl IntoView {
    // A thread reply opens in its thread.
    let href = crate::model::message_path(&hit.room, hit.seq, hit.thread_root);
    let parts = hit
        .parts
        .into_iter()
        .map(
            |(text, matched)| {
                if matched { view! { <mark>{text}</mark> }.into_any() } else { text.into_any() }
            },
        )
        .collect_view();
    view! {
        <li class="search-hit">
            <a href=href rel="external" class="hit-link">
                <span class="hit-where">
                    <strong>{hit.room_title}</strong>
                    " · " {hit.author}
                    <span class="muted">" @" {hit.username}</span>
                    " · " <time>{date_time(hit.ts)}</time>
                </span>
                <span class="hit-text">{parts}</span>
            </a>
        </li>
    }
}
