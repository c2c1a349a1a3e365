//! `ReportPage` (`/r/<room>/report/<seq>`): report a message to the room's moderators, with a
//! reason and a note. `ReportsPage` (`/reports`): the open reports the asker may act on, each
//! with the message, and a button per way to resolve it. Plain forms the server renders alone
//! (`components::server_only`).

use crate::ids::Seq;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{ReportLine, ReportMessage, ReportedMessage, ResolveReport, load_reports, report_target};
use crate::components::form_refusal::returned_error;
use crate::model::{MAX_REPORT_NOTE_CHARS, REPORT_REASONS, date_time};

#[component]
pub fn ReportPage() -> impl IntoView {
    let params = use_params_map();
    let target = move || {
        let params = params.read();
        (
            params.get("room").unwrap_or_default(),
            params.get("seq").and_then(|seq| seq.parse::<Seq>().ok()).unwrap_or_default(),
        )
    };
    let found = Resource::new_blocking(target, |(room, seq)| report_target(room.into(), seq));
    view! {
        <leptos_meta::Title text="Report a message · Banter"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(Some(message)) => view! { <ReportForm message/> }.into_any(),
                    Ok(None) => view! {
                        <main class="account" id="report-not-found">
                            <h1>"Not found"</h1>
                            <p>"There is no message here that you can report."</p>
                        </main>
                    }
                    .into_any(),
                    Err(_) => view! { <Redirect path="/signin"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ReportForm(message: ReportedMessage) -> impl IntoView {
    let query = use_query_map();
    let sent = query.read_untracked().get("sent").is_some();
    let error = returned_error();
    let back = format!("/r/{}?at={}#m-{}", message.room, message.seq, message.seq);
    let body = if sent {
        view! {
            <p role="status" id="report-sent">"Thank you. The room's moderators will look at it."</p>
        }
        .into_any()
    } else {
        view! {
            <form method="post" action=ReportMessage::url() id="report-form">
                <input type="hidden" name="room" value=message.room.clone()/>
                <input type="hidden" name="seq" value=message.seq.0/>
                <fieldset>
                    <legend>"Why?"</legend>
                    {REPORT_REASONS
                        .iter()
                        .map(|(code, label)| view! {
                            <label class="check"><input type="radio" name="reason" value=*code required/> " " {*label}</label>
                        })
                        .collect_view()}
                </fieldset>
                <label for="report-note">"Anything the moderators should know (optional)"</label>
                <textarea id="report-note" name="note" maxlength=MAX_REPORT_NOTE_CHARS rows="3"></textarea>
                <p class="form-error" role="alert">{error}</p>
                <button type="submit" id="report-send">"Send the report"</button>
                <p class="muted">"Only the room's moderators see who reported it."</p>
            </form>
        }
        .into_any()
    };
    view! {
        <main class="account">
            <p><a href=back class="back" rel="external">"← Back to the room"</a></p>
            <section class="account-form" aria-labelledby="report-title">
                <h2 id="report-title">"Report a message"</h2>
                <blockquote id="reported-message"><strong>"@" {message.author}</strong> ": " {message.excerpt}</blockquote>
                {body}
            </section>
        </main>
    }
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let reports = Resource::new_blocking(|| (), |_| load_reports());
    view! {
        <leptos_meta::Title text="Open reports · Banter"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match reports.await {
                    Ok(reports) => view! { <Queue reports/> }.into_any(),
                    Err(_) => view! { <Redirect path="/signin"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Queue(reports: Vec<ReportLine>) -> impl IntoView {
    let error = returned_error();
    let empty = reports
        .is_empty()
        .then(|| view! { <p class="muted" id="no-reports">"No open reports in the rooms you moderate."</p> });
    view! {
        <main class="account moderation-page" id="reports-page">
            <p><a href="/" class="back" rel="external">"← Back to the chat"</a></p>
            <h1>"Open reports"</h1>
            <p class="form-error" role="alert">{error}</p>
            {empty}
            <ol class="reports" id="reports">
                {reports.into_iter().map(|report| view! { <Report report/> }).collect_view()}
            </ol>
        </main>
    }
}

#[component]
fn Report(report: ReportLine) -> impl IntoView {
    let link = format!("/r/{}?at={}#m-{}", report.room, report.seq, report.seq);
    let place = if report.conversation { "a conversation".to_owned() } else { format!("#{}", report.title) };
    let author = report.author.clone().map(|a| format!("@{a}")).unwrap_or_else(|| "someone".to_owned());
    let action = |value: &'static str, label: &'static str, id: i64| {
        view! {
            <form method="post" action=ResolveReport::url() class="inline">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="action" value=value/>
                <button type="submit" class="secondary">{label}</button>
            </form>
        }
    };
    let id = report.id;
    view! {
        <li class="report" data-report=id>
            <p>
                <time>{date_time(report.at)}</time> " " <strong>{format!("@{}", report.reporter)}</strong> " reported "
                <a href=link rel="external">"a message by " {author}</a> " in " {place} ": " {report.reason}
            </p>
            <blockquote>{if report.deleted { "(deleted)".to_owned() } else { report.excerpt }}</blockquote>
            {(!report.note.is_empty()).then(|| view! { <p class="muted">"Note: " {report.note}</p> })}
            <div class="report-actions">
                {(!report.deleted).then(|| action("delete", "Delete the message", id))}
                {(!report.conversation).then(|| action("remove", "Remove the author from the room", id))}
                {action("dismiss", "Dismiss", id)}
            </div>
        </li>
    }
}
