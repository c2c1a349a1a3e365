//! `ProfilePage`: your display name, status and avatar, do not disturb, read receipts, a link
//! to your email settings (`email_page`), your bots (`bots_section`), and signing out.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::accounts::MAX_STATUS_CHARS;
use crate::api::{
    SetQuiet, SetReadReceipts, SignOut, SignOutEverywhere, UpdateProfile, my_profile, my_quiet, my_sessions,
};
use crate::components::avatar::Avatar;
use crate::components::form_refusal::refusal;
use crate::model::{Profile, SessionSummary, date_time};
use crate::protocol::MAX_NAME_CHARS;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let profile = Resource::new_blocking(|| (), |_| my_profile());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(Some(me)) => view! { <ProfileForm me/> }.into_any(),
                    Ok(None) => view! { <Redirect path="/signin"/> }.into_any(),
                    Err(error) => view! { <p class="page-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProfileForm(me: Profile) -> impl IntoView {
    let update = ServerAction::<UpdateProfile>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let query = use_query_map();
    let refused = refusal(update);
    // The bots section's refusals are its own (`components::bots_section`).
    let error = move || refused.get().filter(|_| query.read().get("in").is_none());
    let saved = move || query.read().get("saved").is_some().then_some("Saved.");
    view! {
        <main class="account">
            // A full load, so the chat starts its connection afresh.
            <p><a href="/" class="back" rel="external">"← Back to the chat"</a></p>
            <ActionForm action=update attr:id="profile-form" attr:class="account-form">
                <h2 class="profile-title">
                    <Avatar username=me.username.clone() name=me.display_name.clone()/>
                    <span id="profile-username">"@" {me.username.clone()}</span>
                </h2>
                <label for="display-name">"Display name"</label>
                <input
                    id="display-name"
                    name="display_name"
                    type="text"
                    autocomplete="nickname"
                    required
                    maxlength=MAX_NAME_CHARS
                    value=me.display_name.clone()
                />
                <label for="status">"Status"</label>
                <input
                    id="status"
                    name="status"
                    type="text"
                    maxlength=MAX_STATUS_CHARS
                    placeholder="What are you up to?"
                    value=me.status.clone()
                />
                <p class="form-error" role="alert">{error}</p>
                <p class="form-ok" role="status">{saved}</p>
                <button type="submit">"Save"</button>
            </ActionForm>
            <ActionForm action=sign_out attr:class="account-form">
                <button id="sign-out" type="submit" class="secondary">"Sign out"</button>
            </ActionForm>
            <DoNotDisturb/>
            <ReadReceipts on=me.read_receipts/>
            // The server's page alone (`components::server_only`): none of it in the bundle.
            <p class="account-switch"><a href=crate::api::EMAIL_SETTINGS_PATH rel="external" id="email-link">"Email address and digests →"</a></p>
            <p class="account-switch"><a href=crate::api::SECURITY_PATH rel="external" id="security-link">"Two-factor sign-in →"</a></p>
            <p class="account-switch"><a href=crate::api::EXPORT_PAGE_PATH rel="external" id="export-link">"Export your data →"</a></p>
            <p class="account-switch"><a href=crate::api::BLOCKED_PATH rel="external" id="blocked-link">"Blocked people →"</a></p>
            <p class="account-switch"><a href=crate::api::DELETE_ACCOUNT_PATH rel="external" id="delete-link">"Delete your account →"</a></p>
            <crate::components::bots_section::BotsSection/>
            <Sessions/>
        </main>
    }
}

/// "Do not disturb": no notification on any device until a chosen time. A plain form.
#[component]
fn DoNotDisturb() -> impl IntoView {
    use crate::notifications::DO_NOT_DISTURB_CHOICES;
    use leptos::server_fn::ServerFn;
    let quiet = Resource::new_blocking(|| (), |_| my_quiet());
    let choices = DO_NOT_DISTURB_CHOICES
        .iter()
        .map(|(minutes, label)| view! { <option value=*minutes>{*label}</option> })
        .collect_view();
    view! {
        <section class="account-form" aria-labelledby="quiet-title">
            <h2 id="quiet-title">"Do not disturb"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match quiet.await.ok().flatten() {
                        Some(until) => view! {
                            <p id="quiet-state">"Notifications are paused until " <time>{date_time(until)}</time> "."</p>
                            <form method="post" action=SetQuiet::url()>
                                <input type="hidden" name="minutes" value="0"/>
                                <button type="submit" class="secondary" id="quiet-off">"Resume notifications"</button>
                            </form>
                        }.into_any(),
                        None => ().into_any(),
                    }
                })}
            </Suspense>
            <form method="post" action=SetQuiet::url() class="inline-form">
                <label for="quiet-minutes">"Pause all notifications"</label>
                <select id="quiet-minutes" name="minutes">{choices}</select>
                <button type="submit" id="quiet-on">"Pause"</button>
            </form>
        </section>
    }
}

/// Read receipts on or off: a plain form. Off, others do not see how far you have read, and you
/// do not see theirs.
#[component]
fn ReadReceipts(on: bool) -> impl IntoView {
    use leptos::server_fn::ServerFn;
    view! {
        <section class="account-form" aria-labelledby="receipts-title">
            <h2 id="receipts-title">"Read receipts"</h2>
            <p class="muted">
                {format!("In conversations and in rooms of up to {} people.", crate::protocol::MAX_RECEIPT_ROOM_MEMBERS)}
            </p>
            <form method="post" action=SetReadReceipts::url()>
                <label class="check">
                    <input type="checkbox" id="read-receipts" name="on" value="true" checked=on/>
                    " Show others when I have read their messages, and show me when they have read mine"
                </label>
                <button type="submit" id="save-receipts" aria-label="Save read receipts">"Save"</button>
            </form>
        </section>
    }
}

/// Where this account is signed in, and a way to end all of it at once.
#[component]
fn Sessions() -> impl IntoView {
    let sessions = Resource::new_blocking(|| (), |_| my_sessions());
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    view! {
        <section class="account-form sessions" aria-labelledby="sessions-title">
            <h2 id="sessions-title">"Where you are signed in"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => view! {
                            <ul id="sessions">
                                {list.into_iter().map(|session| view! { <SessionItem session/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <p class="page-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <ActionForm action=everywhere>
                <button id="sign-out-everywhere" type="submit" class="secondary">"Sign out everywhere"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn SessionItem(session: SessionSummary) -> impl IntoView {
    view! {
        <li class="session" class:this-one=session.this_one>
            <span class="device">{session.device}</span>
            {session.this_one.then_some(view! { <span class="muted">" (this browser)"</span> })}
            <br/>
            <span class="muted">
                "Last active " <time>{date_time(session.last_seen_at)}</time> " · signed in " <time>{date_time(session.started_at)}</time>
            </span>
        </li>
    }
}
