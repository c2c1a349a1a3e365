//! `EmailPage` (`/profile/email`): your email address (confirmed by a link) and whether the
//! server mails you what you missed. Plain forms the server renders alone
//! (`components::server_only`), so none of it is in the browser's bundle; the profile links
//! here.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::api::{EmailSettings, RemoveEmail, SetEmail, SetEmailDigests, my_email};
use crate::components::form_refusal::returned_error;

#[component]
pub fn EmailPage() -> impl IntoView {
    let settings = Resource::new_blocking(|| (), |_| my_email());
    view! {
        <leptos_meta::Title text="Email · Banter"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(Some(email)) => view! { <EmailForms email/> }.into_any(),
                    Ok(None) => view! { <Redirect path="/signin"/> }.into_any(),
                    Err(error) => view! { <p class="page-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EmailForms(email: EmailSettings) -> impl IntoView {
    let query = use_query_map();
    let error = returned_error();
    let note = move || match query.read().get("saved").as_deref() {
        Some("email-sent") => Some("We sent you a link: open it to confirm the address."),
        Some("email") => Some("Your email address is confirmed."),
        Some(_) => Some("Saved."),
        None => None,
    };
    let current = match &email.address {
        Some(address) => format!("Your address: {address}"),
        None => "No address yet.".to_owned(),
    };
    let pending =
        email.pending.clone().map(|address| format!("Waiting for you to open the link sent to {address}."));
    let forms = email.mail_on.then(|| {
        view! {
            <form method="post" action=SetEmail::url() class="inline-form">
                <label for="email-address">"Address"</label>
                <input id="email-address" name="address" type="email" autocomplete="email" required/>
                <button type="submit" id="email-save">"Send a link"</button>
            </form>
            <p class="muted">"Only you see it. It gets password reset links and, if you want, what you missed."</p>
            <form method="post" action=SetEmailDigests::url()>
                <label class="check">
                    <input type="checkbox" id="email-digests" name="on" value="true" checked=email.digests/>
                    " Email me conversation messages and mentions I have not read after a while"
                </label>
                <button type="submit" id="save-digests" aria-label="Save email digests">"Save"</button>
            </form>
        }
    });
    view! {
        <main class="account">
            <p><a href="/profile" class="back">"← Back to your profile"</a></p>
            <section class="account-form" aria-labelledby="email-title">
                <h2 id="email-title">"Email"</h2>
                {(!email.mail_on).then(|| view! {
                    <p id="email-off">"This server sends no email. An administrator can give you a password reset link."</p>
                })}
                <p id="email-state">{current}</p>
                <p class="muted" id="email-pending">{pending}</p>
                <p class="form-ok" role="status">{note}</p>
                <p class="form-error" role="alert">{error}</p>
                {forms}
                {email.address.is_some().then(|| view! {
                    <form method="post" action=RemoveEmail::url()>
                        <button type="submit" class="secondary" id="email-remove">"Remove the address"</button>
                    </form>
                })}
            </section>
        </main>
    }
}
