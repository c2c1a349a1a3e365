//! `DeleteAccountPage` (`/profile/delete`): deleting one's account, confirmed with the
//! password (or the username, for an account of the identity provider), choosing whether
//! one's messages go too. A plain form the server renders alone (`components::server_only`).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;

use crate::api::{DeleteAccount, signs_in_with_password};
use crate::components::form_refusal::returned_error;

#[component]
pub fn DeleteAccountPage() -> impl IntoView {
    let password = Resource::new_blocking(|| (), |_| signs_in_with_password());
    view! {
        <leptos_meta::Title text="Delete your account · Banter"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match password.await {
                    Ok(password) => view! { <DeleteForm password/> }.into_any(),
                    Err(_) => view! { <Redirect path="/signin"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DeleteForm(password: bool) -> impl IntoView {
    let error = returned_error();
    let confirm = if !password {
        view! {
            <label for="delete-confirm">"Type your username to confirm"</label>
            <input id="delete-confirm" name="confirm" type="text" autocomplete="off" required/>
        }
        .into_any()
    } else {
        view! {
            <label for="delete-password">"Your password, to confirm"</label>
            <input id="delete-password" name="password" type="password" autocomplete="current-password" required/>
        }
        .into_any()
    };
    view! {
        <main class="account">
            <p><a href="/profile" class="back">"← Back to your profile"</a></p>
            <form method="post" action=DeleteAccount::url() class="account-form" id="delete-form">
                <h2>"Delete your account"</h2>
                <p>
                    "You are signed out everywhere at once, and nobody can sign in as you again. Your "
                    "drafts, saved messages, devices and bots go. Your username is kept from others for 90 days."
                </p>
                <label class="check">
                    <input type="checkbox" name="messages" value="on" id="delete-messages"/>
                    " Delete every message I wrote too (otherwise they stay, signed “Deleted user”)"
                </label>
                {confirm}
                <p class="form-error" role="alert">{error}</p>
                <button type="submit" class="danger" id="delete-account">"Delete my account"</button>
            </form>
        </main>
    }
}
