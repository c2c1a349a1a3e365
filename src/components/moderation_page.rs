//! `ModerationPage` (`/r/<room>/moderation`): what the room's moderators did, newest first.
//! For its moderators and the server's administrators; anyone else gets "not found".

use crate::ids::RoomName;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_params_map;

use crate::api::{LogLine, ModerationPage as Data, load_moderation};
use crate::model::date_time;

#[component]
pub fn ModerationPage() -> impl IntoView {
    let params = use_params_map();
    let room = move || RoomName::from(params.read().get("room").unwrap_or_default());
    let data = Resource::new_blocking(room, load_moderation);
    view! {
        <leptos_meta::Title text="Moderation log · Banter"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) if !data.signed_in => view! { <Redirect path="/signin"/> }.into_any(),
                    Ok(data) => view! { <Log data room=room()/> }.into_any(),
                    Err(error) => view! { <p class="page-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Log(data: Data, room: RoomName) -> impl IntoView {
    let Some(title) = data.title else {
        return view! {
            <main class="account" id="room-not-found">
                <h1>"Not found"</h1>
                <p>"There is no moderation log here that you can see."</p>
            </main>
        }
        .into_any();
    };
    let empty = data.lines.is_empty().then(|| view! { <p class="muted">"Nothing yet."</p> });
    let lines = data.lines.into_iter().map(|line| view! { <Line line room=room.clone()/> }).collect_view();
    view! {
        <main class="account moderation-page" id="moderation-page">
            <p><a href=format!("/r/{room}") class="back" rel="external">"← Back to " {title.clone()}</a></p>
            <h1>"Moderation log of " {title}</h1>
            <p><a href=crate::api::REPORTS_PATH rel="external" id="reports-link">"Open reports →"</a></p>
            {data.admin.then(|| {
                use leptos::server_fn::ServerFn;
                view! {
                    <form method="post" action=crate::api::ExportRoom::url() class="inline-form" id="export-room-form">
                        <input type="hidden" name="room" value=room.clone()/>
                        <button type="submit" class="secondary">"Export this room"</button>
                        <span class="muted">" An archive of all its messages and files, on your export page."</span>
                    </form>
                }
            })}
            {empty}
            <ol class="moderation-log" id="moderation-log">{lines}</ol>
        </main>
    }
    .into_any()
}

/// One act, in words: "@ann deleted a message by @bob", with when.
#[component]
fn Line(line: LogLine, room: RoomName) -> impl IntoView {
    let target = line.target.map(|t| format!("@{t}")).unwrap_or_else(|| "someone".to_owned());
    let what = match (line.action.as_str(), line.seq) {
        ("delete", Some(seq)) => view! {
            "deleted " <a href=format!("/r/{room}?at={seq}#m-{seq}") rel="external">"a message"</a> " by " {target}
        }
        .into_any(),
        ("pin", Some(seq)) => view! {
            "pinned " <a href=format!("/r/{room}?at={seq}#m-{seq}") rel="external">"a message"</a> " by " {target}
        }
        .into_any(),
        ("unpin", Some(seq)) => view! {
            "unpinned " <a href=format!("/r/{room}?at={seq}#m-{seq}") rel="external">"a message"</a> " by " {target}
        }
        .into_any(),
        ("report", Some(seq)) => view! {
            "reported " <a href=format!("/r/{room}?at={seq}#m-{seq}") rel="external">"a message"</a> " by " {target}
        }
        .into_any(),
        ("dismiss", Some(seq)) => view! {
            "dismissed the reports on " <a href=format!("/r/{room}?at={seq}#m-{seq}") rel="external">"a message"</a>
            " by " {target}
        }
        .into_any(),
        ("remove", _) => view! { "removed " {target} " from the room" }.into_any(),
        ("promote", _) => view! { "made " {target} " a moderator" }.into_any(),
        ("demote", _) => view! { "removed " {target} " as moderator" }.into_any(),
        (other, _) => view! { {other.to_owned()} " " {target} }.into_any(),
    };
    view! {
        <li>
            <time>{date_time(line.at)}</time> " " <strong>"@" {line.actor}</strong> " " {what}
        </li>
    }
}
