//! One incoming webhook in words (`HookLine`), where it is listed: the room's info panel (every
//! member) and its integrations page (its moderators). Apart from the page because the page is
//! rendered by the server alone, while the info panel is in the browser's bundle.

use leptos::prelude::*;

use crate::model::{HookSummary, date_time};

/// A webhook in words: its name, who made it and when, when it last posted. The room's info
/// panel lists them the same way.
#[component]
pub fn HookLine(hook: HookSummary) -> impl IntoView {
    let posted = match hook.last_used_at {
        Some(at) => view! { "last posted " <time>{date_time(at)}</time> }.into_any(),
        None => view! { "has not posted yet" }.into_any(),
    };
    let by = hook.created_by.map(|by| format!(" by @{by}")).unwrap_or_default();
    view! {
        <span>{hook.name} " " <span class="badge bot-mark">"bot"</span></span>
        <br/>
        <span class="muted">"made" {by} " " <time>{date_time(hook.created_at)}</time> ", " {posted}</span>
    }
}
