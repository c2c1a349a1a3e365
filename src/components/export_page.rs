//! `ExportPage` (`/profile/export`): ask for an archive of one's data, and the archives asked
//! for, with how far each is and a download link once made. While one is being made a small
//! static script (`public/export-progress.js`, no wasm) fetches the page again every second
//! and swaps the list in place: no timed reload, which would take a screen reader's place
//! away (WCAG 2.2.1). A plain form the server renders alone (`components::server_only`).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;

use crate::api::{EXPORTS_PATH, ExportLine, StartExport, load_exports};
use crate::attachments::human_size;
use crate::components::form_refusal::returned_error;
use crate::model::date_time;

#[component]
pub fn ExportPage() -> impl IntoView {
    let exports = Resource::new_blocking(|| (), |_| load_exports());
    view! {
        <leptos_meta::Title text="Export your data · Banter"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match exports.await {
                    Ok(lines) => view! { <Exports lines/> }.into_any(),
                    Err(_) => view! { <Redirect path="/signin"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Exports(lines: Vec<ExportLine>) -> impl IntoView {
    let error = returned_error();
    let follow = lines
        .iter()
        .any(ExportLine::unfinished)
        .then(|| view! { <script src=crate::static_scripts::EXPORT_PROGRESS.url() defer></script> });
    let rows = lines.into_iter().map(|line| view! { <Line line/> }).collect_view();
    view! {
        {follow}
        <main class="account">
            <p><a href="/profile" class="back" rel="external">"← Back to your profile"</a></p>
            <section class="account-form" aria-labelledby="export-title">
                <h2 id="export-title">"Export your data"</h2>
                <p>
                    "One zip file with your profile, the rooms and conversations you are in, every message "
                    "you wrote in them (when each was edited, its reactions) and the files you sent. Rooms you "
                    "have left are not in it. Only you can download it, for 7 days."
                </p>
                <form method="post" action=StartExport::url() id="export-form">
                    <p class="form-error" role="alert">{error}</p>
                    <button type="submit" id="start-export">"Make an archive"</button>
                </form>
                <p role="status" id="export-status" class="muted"></p>
                <ul class="exports" id="exports">{rows}</ul>
            </section>
        </main>
    }
}

#[component]
fn Line(line: ExportLine) -> impl IntoView {
    let what = line.room.as_ref().map_or_else(|| "Your data".to_owned(), |room| format!("Room {room}"));
    let percent = line.percent();
    let state = match line.state.as_str() {
        "done" => {
            let size = line.size.map(|size| human_size(u64::try_from(size).unwrap_or(0))).unwrap_or_default();
            view! {
                <a href=format!("{EXPORTS_PATH}/{}", line.id) rel="external" download class="button">
                    "Download (" {size} ")"
                </a>
            }
            .into_any()
        }
        "failed" => view! { <span class="form-error">"Could not be made; ask again."</span> }.into_any(),
        _ => view! {
            <progress max="100" value=percent aria-label=format!("{what}: {percent}% made")>{percent} "%"</progress>
            <span class="muted">{format!(" {percent}%")}</span>
        }
        .into_any(),
    };
    view! {
        <li class="export" data-state=line.state.clone() data-id=line.id.clone()>
            <span>{what.clone()} <span class="muted">" · " {date_time(line.created_at)}</span></span>
            " "
            {state}
        </li>
    }
}
